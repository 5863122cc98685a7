//! The server embeds `target/site` (see `src/server/http/site.rs`): when the site is rebuilt, the
//! server must be recompiled to carry it. The WASM build of the same crate does not embed it,
//! so it does not wait on the site it is part of.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let ssr = std::env::var_os("CARGO_FEATURE_SSR").is_some();
    if ssr && !wasm {
        // A path that does not exist reads as changed on every build: make it exist (empty
        // until a site is built), so cargo compares its files instead.
        let _ = std::fs::create_dir_all("target/site");
        println!("cargo:rerun-if-changed=target/site");
    }
}
