# Shared by scripts/run and scripts/test: the cache outside the clone, and installing each
# tool only when the right version is missing. Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${KAFKA_LIVE_CACHE:-$HOME/.cache/kafka-live}"
TOOLS="$CACHE/tools"
mkdir -p "$TOOLS"

# Compiled output survives fresh clones: CI and later runs reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
export PATH="$TOOLS/bin:$HOME/.cargo/bin:$PATH"
# Leptos reads this at compile time; cargo-leptos sets it, so plain cargo must too or the two
# would rebuild each other's Leptos crates.
export LEPTOS_OUTPUT_NAME=kafka-live

# Pins. Newer nisshi releases need a newer rustc than 1.95.
NISSHI_VERSION=0.6.0

# Each step says when it started, in seconds since the script did: where the time goes.
say() { printf '\033[1m==> [%4ss] %s\033[0m\n' "$SECONDS" "$*" >&2; }

ensure_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

# cargo_tool BIN VERSION CRATE [cargo install flags...]
cargo_tool() {
  local bin=$1 version=$2 crate=$3
  shift 3
  if "$TOOLS/bin/$bin" --version 2>/dev/null | grep -qw -- "$version"; then return; fi
  say "installing $crate $version into $TOOLS (once; later runs reuse it)"
  # Its own target dir: the app's cache stays small and the tool build leaves nothing behind.
  CARGO_TARGET_DIR="$CACHE/tool-build" cargo install "$crate" --version "$version" --root "$TOOLS" --force "$@"
  rm -rf "$CACHE/tool-build"
}

# The CLI must equal the wasm-bindgen library in Cargo.lock. Its own lockfile names a crate
# release the registry does not serve, so it installs without --locked.
ensure_wasm_bindgen() {
  local version
  version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")
  cargo_tool wasm-bindgen "$version" wasm-bindgen-cli
}

# Confluent's own serializers (PyPI) for the schema tests, in a virtualenv in the cache keyed by
# the pinned requirements: a changed pin makes a new one.
ensure_python_tools() {
  ensure_debian_packages python3-venv
  local requirements="$ROOT/end2end/schemas/requirements.txt" venv
  venv="$TOOLS/python-$(sha256sum "$requirements" | cut -c1-12)"
  if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
    say "installing Confluent's Python serializers (PyPI) into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
    touch "$venv/.complete"
  fi
  export KAFKA_LIVE_PYTHON="$venv/bin/python"
}

ensure_nisshi() {
  cargo_tool nisshi "$NISSHI_VERSION" nisshi --locked --no-default-features --features dynostore,libsql
  export KAFKA_LIVE_NISSHI="$TOOLS/bin/nisshi"
}

# Release builds run wasm-opt. Debian's binaryen 108 produces WASM that fails at load
# ("WebAssembly.Table.set(): Argument 1 is invalid for table") with this wasm-bindgen, so
# release builds use binaryen from npm (a WASM build of the same tool), found first on PATH.
BINARYEN_VERSION=132.0.0
ensure_release_wasm_opt() {
  local dir="$TOOLS/binaryen"
  if ! "$dir/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -qw "version_${BINARYEN_VERSION%%.*}"; then
    say "installing binaryen $BINARYEN_VERSION (npm) into $dir"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

# Everything building the app needs: libssl for rdkafka's TLS, the WASM target and wasm-bindgen.
# Not cargo-leptos: the scripts build the site themselves (build_site), which spares a first
# run the 12-23 minutes of compiling it; contributors install it for `cargo leptos watch`.
ensure_build_tools() {
  ensure_debian_packages build-essential pkg-config libssl-dev zlib1g-dev
  ensure_wasm_target
  ensure_wasm_bindgen
}

SITE_DIR="$ROOT/target/site"

# sync_dir FROM TO: TO holds exactly FROM's files; a file whose bytes are already there is not
# touched, a copied one keeps FROM's date (cp -p), and TO's directories are dated as their
# newest file.
sync_dir() {
  local from=$1 to=$2 file
  mkdir -p "$to"
  while read -r file; do
    cmp -s "$from/$file" "$to/$file" && continue
    mkdir -p "$(dirname "$to/$file")"
    cp -p "$from/$file" "$to/$file"
  done < <(cd "$from" && find . -type f)
  while read -r file; do
    [ -f "$from/$file" ] || rm -f "$to/$file"
  done < <(cd "$to" && find . -type f)
  # cargo reads a watched directory's own date too: each one takes its newest file's.
  local newest dir
  newest=$(find "$to" -type f -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
  [ -n "$newest" ] || return 0
  while read -r dir; do touch -r "$newest" "$dir"; done < <(find "$to" -type d)
}

# build_site debug|release: the page, as `cargo leptos build` lays it out in target/site
# (pkg/kafka-live.{js,wasm,css} and public/'s files), for the server to embed. Release: the
# wasm-release profile, wasm-opt -Oz, and a .gz beside each file for browsers that take gzip.
#
# The server's build script watches target/site by file dates (cargo's rerun-if-changed), so a
# site file's date must change when, and only when, its bytes do, even in a fresh clone, whose
# target/site is new: each profile's site is kept in the cache, where a file's date is the
# moment its bytes last changed, and copied into the clone with those dates.
build_site() {
  local profile=$1 cargo_args=() wasm_dir=debug
  if [ "$profile" = release ]; then
    ensure_release_wasm_opt
    cargo_args=(--profile wasm-release)
    wasm_dir=wasm-release
  fi
  say "building the page (WASM, $profile)"
  (cd "$ROOT" && cargo build --lib --target wasm32-unknown-unknown --no-default-features --features hydrate \
    "${cargo_args[@]}" --target-dir "$CARGO_TARGET_DIR/front")
  local wasm="$CARGO_TARGET_DIR/front/wasm32-unknown-unknown/$wasm_dir/kafka_live.wasm" stamp
  local kept="$CACHE/site/$profile"
  stamp="$profile $(cat "$wasm" "$ROOT/style/main.css" | sha256sum | cut -c1-64)"
  stamp="$stamp $(cd "$ROOT/public" && find . -type f ! -name '.*' -exec sha256sum {} + | sort | sha256sum | cut -c1-64)"
  if ! [ -f "$kept/pkg/kafka-live.wasm" ] || [ "$(cat "$kept.stamp" 2>/dev/null)" != "$stamp" ]; then
    local staging
    staging=$(mktemp -d "${TMPDIR:-/tmp}/kafka-live-site.XXXXXX")
    mkdir -p "$staging/pkg"
    (cd "$ROOT/public" && find . -type f ! -name '.*' -exec cp --parents {} "$staging/" \;)
    wasm-bindgen --target web --no-typescript --out-name kafka-live --out-dir "$staging/pkg" "$wasm"
    # Leptos' hydration script loads pkg/<output-name>.wasm, as cargo-leptos names it.
    mv "$staging/pkg/kafka-live_bg.wasm" "$staging/pkg/kafka-live.wasm"
    cp "$ROOT/style/main.css" "$staging/pkg/kafka-live.css"
    if [ "$profile" = release ]; then
      wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        "$staging/pkg/kafka-live.wasm" -o "$staging/pkg/kafka-live.wasm"
      gzip -9 -k -n "$staging/pkg/kafka-live.wasm" "$staging/pkg/kafka-live.js" "$staging/pkg/kafka-live.css"
    fi
    # New files are dated now; the copy keeps the date of any whose bytes did not change.
    local file
    while read -r file; do
      cmp -s "$staging/$file" "$kept/$file" && touch -r "$kept/$file" "$staging/$file"
    done < <(cd "$staging" && find . -type f)
    rm -rf "$kept"
    mkdir -p "$(dirname "$kept")"
    mv "$staging" "$kept"
    echo "$stamp" >"$kept.stamp"
  fi
  sync_dir "$kept" "$SITE_DIR"
}

# A fresh clone dates every file now, and cargo judges the workspace's own crates by file dates:
# without help, every run in a fresh clone recompiles the app, its tests and its benchmarks
# (2-3 minutes on 2 cores) although not a byte changed. So the cache remembers, for each file
# git tracks, its blob and the date it had when the last build through these scripts ran
# (remember_source_dates), and restore_source_dates gives a file whose blob is the same that
# date back. Any other file dated before the newest build is dated now, so that it is
# recompiled: its bytes are not the ones that build saw (another checkout shares the cache).
# The first line is the date of the newest build record of the workspace's crates: a build
# outside these scripts since then (a `cargo build` by hand) changes it, and then no date is
# given back, only taken forward.
SOURCE_DATES="$CACHE/source-dates"

# The newest date among the workspace crates' build records (cargo's .fingerprint entries).
build_records_date() {
  find "$CARGO_TARGET_DIR" -maxdepth 6 -path '*/.fingerprint/kafka-live*' -type f -printf '%T@\n' 2>/dev/null |
    sort -n | tail -n 1
}

# tracked_files: "blob path" for each file git tracks, "- path" for one the work tree changed.
tracked_files() {
  git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || return 0
  local modified
  modified=$(git -C "$ROOT" ls-files -m)
  git -C "$ROOT" ls-files -s | awk -v modified="$modified" '
    BEGIN { n = split(modified, list, "\n"); for (i = 1; i <= n; i++) changed[list[i]] = 1 }
    { tab = index($0, "\t"); path = substr($0, tab + 1); print ((path in changed) ? "-" : $2), path }'
}

restore_source_dates() {
  local built trusted=no
  built=$(build_records_date)
  [ -n "$built" ] || return 0
  [ -f "$SOURCE_DATES" ] && [ "$(head -n 1 "$SOURCE_DATES")" = "built $built" ] && trusted=yes
  # perl (Debian's perl-base is always there) dates hundreds of files in one process.
  tracked_files | (cd "$ROOT" && perl -e '
    my ($dates, $built, $trusted) = @ARGV;
    my %date;
    if ($trusted eq "yes" && open my $in, "<", $dates) {
      <$in>;
      while (<$in>) { chomp; my ($blob, $time, $path) = split / /, $_, 3; $date{"$blob $path"} = $time }
    }
    while (<STDIN>) {
      chomp;
      my ($blob, $path) = split / /, $_, 2;
      my $now = (stat $path)[9];
      next unless defined $now;
      my $then = $date{"$blob $path"};
      if (defined $then) { utime $then, $then, $path if $now != $then }
      elsif ($now <= $built) { utime undef, undef, $path }
    }' "$SOURCE_DATES" "$built" "$trusted")
}

# After the builds of a script: the dates restore_source_dates gives back next time.
remember_source_dates() {
  local next="$SOURCE_DATES.$$"
  {
    echo "built $(build_records_date)"
    tracked_files | (cd "$ROOT" && perl -ne 'chomp; my ($blob, $path) = split / /, $_, 2;
      my $time = (stat $path)[9]; print "$blob $time $path\n" if defined $time && $blob ne "-"')
  } >"$next"
  mv "$next" "$SOURCE_DATES"
}

# build_app debug|release: the site, then the server and the console consumer, which carry it.
# Debug builds are for the tests: the test kit's outside producer (kafka-live-produce) that the
# browser tests write with, and the test binaries, in one cargo call. The tests' dependencies
# turn on more features of shared crates (hyper's client, for one); building the binaries
# without them and the tests with them recompiled the app twice on every run.
build_app() {
  local profile=${1:-debug}
  restore_source_dates
  build_site "$profile"
  if [ "$profile" = release ]; then
    say "building kafka-live ($profile)"
    (cd "$ROOT" && cargo build --release --features ssr --bins)
  else
    say "building kafka-live and its tests ($profile)"
    (cd "$ROOT" && cargo build --workspace --features kafka-live/ssr --bins --tests)
  fi
}

BIN_DIR="$CARGO_TARGET_DIR/debug"
RELEASE_DIR="$CARGO_TARGET_DIR/release"

# The cache outlives clones: test and bench executables from earlier builds (another clone's
# path, older dependencies) are never run again and, with debug info, weigh hundreds of MB
# each. Keep the newest of each name, and incremental state touched in the last two days.
# A binary's current build is hard-linked to target/<profile>/<name> and always kept: it shares
# its name with the library's test binary (kafka_live-…), and taking either away recompiles it.
prune_cache() {
  local dir
  for dir in "$CARGO_TARGET_DIR"/debug/deps "$CARGO_TARGET_DIR"/release/deps; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f -perm -u+x -links 1 -regextype posix-extended -regex '.*/[a-z0-9_]+-[0-9a-f]{16}' \
      -printf '%T@ %f\n' | sort -rn | awk '{ split($2, name, "-"); if (seen[name[1]]++) print $2 }' |
      while read -r stale; do rm -f "$dir/$stale" "$dir/$stale.d"; done
  done
  for dir in "$CARGO_TARGET_DIR"/debug/incremental "$CARGO_TARGET_DIR"/release/incremental; do
    [ -d "$dir" ] && find "$dir" -mindepth 1 -maxdepth 1 -mtime +1 -exec rm -rf {} +
  done
  return 0
}

# wait_for_port HOST:PORT SECONDS [PID]: until something accepts there; fails early if PID dies.
wait_for_port() {
  local address=$1 seconds=$2 pid=${3:-} host port
  host=${address%:*}
  port=${address##*:}
  for _ in $(seq $((seconds * 10))); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# stop_process PID [SECONDS]: SIGTERM, then SIGKILL if it lingers.
stop_process() {
  local pid=$1 seconds=${2:-15}
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((seconds * 10))); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
