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
