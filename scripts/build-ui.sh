#!/usr/bin/env bash
# Builds the store app's UI (Leptos → wasm) into ui/dist, which the Tauri app embeds.
# Run it before building or testing `store-app`; scripts/test.sh and scripts/app.sh do.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
ensure_prerequisites
ensure_wasm_target
ensure_wasm_bindgen

cargo build --locked -p store-ui --target wasm32-unknown-unknown --release
out=ui/dist
rm -rf "$out.tmp" && mkdir -p "$out.tmp/pkg"
# No wasm-opt: Debian's binaryen 108 produces modules that never start.
wasm-bindgen --target web --no-typescript --out-dir "$out.tmp/pkg" \
    "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/store_ui.wasm"
cp ui/index.html ui/main.js ui/style.css "$out.tmp/"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "UI built into $out ($(du -sh "$out/pkg" | cut -f1) of wasm and glue)"
