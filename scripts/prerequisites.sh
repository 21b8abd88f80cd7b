# Sourced by the other scripts: installs what a fresh Debian machine lacks.

ensure_prerequisites() {
    if ! command -v cc >/dev/null 2>&1; then
        echo "Installing a C compiler (SQLite is built from source)…"
        apt-get update -qq && apt-get install -y -qq build-essential >/dev/null
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "Rust is missing: install it with rustup (https://rustup.rs), stable 1.85 or newer, then run this again." >&2
        exit 1
    fi
}

ensure_wasm_target() {
    if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
        rustup target add wasm32-unknown-unknown
    fi
}
