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

# PostgreSQL for the production-backend tests: SYNC_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres) must accept connections; tests create and
# drop their own databases there.
ensure_postgres() {
    local url="${SYNC_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    local hostport="${url#*@}"; hostport="${hostport%%/*}"
    local host="${hostport%%:*}" port="${hostport##*:}"
    [ "$port" = "$hostport" ] && port=5432
    if ! (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
        echo "PostgreSQL is not reachable at $host:$port, and the PostgreSQL tests must run." >&2
        echo "Start the local cluster with:  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
        echo "or point the tests at your own server:  SYNC_TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT/postgres ./scripts/test.sh" >&2
        exit 1
    fi
}

# wasm-bindgen's command-line tool must match the wasm-bindgen library in Cargo.lock exactly.
ensure_wasm_bindgen() {
    local want
    want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
    if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
        echo "Installing wasm-bindgen-cli $want (matches Cargo.lock; a few minutes, once)…"
        # Not --locked: the tool's own lock file may name releases this registry lacks.
        cargo install wasm-bindgen-cli --version "$want"
    fi
}

# The desktop app (Tauri on WebKitGTK) and its end-to-end tests: system libraries, a virtual
# display, the WebDriver for WebKitGTK, a CJK font for Chinese screenshots, and tauri-driver.
APP_PACKAGES=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libclang-dev
    webkit2gtk-driver xvfb xauth fonts-noto-cjk)

ensure_app_prerequisites() {
    local missing=()
    for p in "${APP_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "Installing the app's system packages: ${missing[*]}…"
        if [ "$(id -u)" -ne 0 ]; then
            echo "Run as root, or install them yourself: sudo apt-get install ${missing[*]}" >&2
            exit 1
        fi
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_tauri_driver() {
    if ! command -v tauri-driver >/dev/null 2>&1; then
        echo "Installing tauri-driver 2.1.0 (the WebDriver bridge for the end-to-end tests)…"
        cargo install tauri-driver --version 2.1.0 --locked
    fi
}

# The dependency policy checker (deny.toml): licences, banned crates, sources.
ensure_cargo_deny() {
    if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "0.20.2" ]; then
        echo "Installing cargo-deny 0.20.2 (checks dependency licences and sources; a few minutes, once)…"
        cargo install cargo-deny --version 0.20.2 --locked
    fi
}
