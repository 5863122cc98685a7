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

# build_site debug|release: the page, as `cargo leptos build` lays it out in target/site
# (pkg/kafka-live.{js,wasm,css} and public/'s files), for the server to embed. Release: the
# wasm-release profile, wasm-opt -Oz, and a .gz beside each file for browsers that take gzip.
# A file whose bytes did not change keeps its date, so the server is not recompiled for it.
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
  stamp="$profile $(cat "$wasm" "$ROOT/style/main.css" | sha256sum | cut -c1-64)"
  stamp="$stamp $(cd "$ROOT/public" && find . -type f ! -name '.*' -exec sha256sum {} + | sort | sha256sum | cut -c1-64)"
  if [ -f "$SITE_DIR/pkg/kafka-live.wasm" ] && [ "$(cat "$SITE_DIR.stamp" 2>/dev/null)" = "$stamp" ]; then
    return
  fi
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
  mkdir -p "$SITE_DIR"
  local file
  while read -r file; do
    cmp -s "$staging/$file" "$SITE_DIR/$file" && continue
    mkdir -p "$(dirname "$SITE_DIR/$file")"
    cp "$staging/$file" "$SITE_DIR/$file"
  done < <(cd "$staging" && find . -type f)
  while read -r file; do
    [ -f "$staging/$file" ] || rm -f "$SITE_DIR/$file"
  done < <(cd "$SITE_DIR" && find . -type f)
  rm -rf "$staging"
  echo "$stamp" >"$SITE_DIR.stamp"
}

# build_app debug|release: the site, then the server and the console consumer, which carry it.
# Debug builds also make the test kit's outside producer (kafka-live-produce) that the browser
# tests write with.
build_app() {
  local profile=${1:-debug}
  build_site "$profile"
  say "building kafka-live ($profile)"
  if [ "$profile" = release ]; then
    (cd "$ROOT" && cargo build --release --features ssr --bins)
  else
    (cd "$ROOT" && cargo build --features ssr --bins && cargo build -p kafka-live-testkit --bins)
  fi
}

BIN_DIR="$CARGO_TARGET_DIR/debug"
RELEASE_DIR="$CARGO_TARGET_DIR/release"

# The cache outlives clones: test and bench executables from earlier builds (another clone's
# path, older dependencies) are never run again and, with debug info, weigh hundreds of MB
# each. Keep the newest of each name, and incremental state touched in the last two days.
prune_cache() {
  local dir
  for dir in "$CARGO_TARGET_DIR"/debug/deps "$CARGO_TARGET_DIR"/release/deps; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f -perm -u+x -regextype posix-extended -regex '.*/[a-z0-9_]+-[0-9a-f]{16}' \
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
