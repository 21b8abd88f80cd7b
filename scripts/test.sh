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
ensure_cargo_deny

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

step "format, module cycles, dependency licences and sources"
cargo fmt --all -- --check
for crate in shared replica sync-server src-tauri ui gen scanner test-support courier-sim; do
    python3 scripts/check-module-cycles.py "$crate/src"
done
# cargo-deny reads the metadata of every platform's crates: fetch them all first (a fresh
# machine's registry cache holds only this platform's), then check without the network.
cargo fetch --locked
cargo deny --offline check licenses bans sources

step "the store app's UI, built once to wasm (the app embeds it)"
./scripts/build-ui.sh

# The wasm lint of the UI also checks `shared` for wasm32 (without its server-only features).
step "lint (the UI and shared also for wasm32)"
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

# Built with the test profile the suites above already compiled: a smoke run proves each
# benchmark still works end to end; its figures mean something only under `cargo bench`.
step "benchmark smoke runs (short and small; figures are not checked)"
cargo test --locked -p sync-server --bench reservations -- --seconds 1
cargo test --locked -p sync-server --bench reservations_pg -- --seconds 1
cargo test --locked -p sync-server --bench aisle_lookup -- --quick
cargo test --locked -p sync-server --bench routing -- --quick
cargo test --locked -p sync-server --bench intake -- --quick
cargo test --locked -p tests --bench bootstrap -- --quick
cargo test --locked -p tests --bench barcode -- --quick
cargo test --locked -p tests --bench push -- --quick
