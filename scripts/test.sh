#!/usr/bin/env bash
# Runs every check and test of the project; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
ensure_prerequisites
ensure_wasm_target
ensure_app_prerequisites
ensure_wasm_bindgen
ensure_tauri_driver

# CI runs on a fresh clone on the same machine each time: keep one Cargo target directory
# outside the clone, so the dependencies are not built again from scratch on every run.
if [ "${CI:-}" = "true" ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
    export CARGO_TARGET_DIR=/var/cache/omni-retail/ci-target
    mkdir -p "$CARGO_TARGET_DIR"
fi
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

# Each step's duration, printed at the end (also when a step fails).
STEP_NAMES=()
STEP_SECONDS=()
STEP_STARTED=$SECONDS
step() {
    finish_step
    STEP_NAMES+=("$*")
    STEP_STARTED=$SECONDS
    printf '\n==> %s\n' "$*"
}
finish_step() {
    if [ "${#STEP_NAMES[@]}" -gt "${#STEP_SECONDS[@]}" ]; then
        STEP_SECONDS+=($((SECONDS - STEP_STARTED)))
    fi
}
report_steps() {
    local status=$?
    finish_step
    printf '\n==> step durations (s)\n'
    for i in "${!STEP_NAMES[@]}"; do
        printf '%6s  %s\n' "${STEP_SECONDS[$i]:-?}" "${STEP_NAMES[$i]}"
    done
    printf '%6s  total (prerequisites included)\n' "$SECONDS"
    exit "$status"
}
trap report_steps EXIT

step "format"
cargo fmt --all -- --check

step "shared compiles to wasm32 (the UI uses it)"
cargo check --locked -p shared --target wasm32-unknown-unknown

step "the store app's UI, built once to wasm (the app embeds it)"
./scripts/build-ui.sh

step "lint (the UI also for wasm32)"
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo clippy --locked -p store-ui --target wasm32-unknown-unknown -- -D warnings

step "tests on SQLite (the scale-out tests need PostgreSQL and run in the next pass)"
cargo test --locked --workspace --exclude e2e -- --skip pg_scale_out

step "the store app end to end: the real app under a virtual display, driven over WebDriver"
cargo build --locked -p store-app
xvfb-run -a -s "-screen 0 1400x900x24" cargo test --locked -p e2e
echo "Screenshots of every screen: $TARGET_DIR/e2e-screenshots/"

step "the sync-server suite again on PostgreSQL, with the scale-out tests"
ensure_postgres
SYNC_TEST_BACKEND=postgres cargo test --locked -p sync-server

step "benchmark smoke runs (1 s per scenario; figures are not checked)"
cargo bench --locked -p sync-server --bench reservations -- --seconds 1
cargo bench --locked -p sync-server --bench reservations_pg -- --seconds 1
cargo bench --locked -p tests --bench bootstrap -- --quick
cargo bench --locked -p tests --bench barcode -- --quick
cargo bench --locked -p tests --bench push -- --quick
