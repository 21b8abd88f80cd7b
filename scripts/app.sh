#!/usr/bin/env bash
# Builds and runs the store app on this desktop (Linux: WebKitGTK). Start the demo server
# first (./scripts/demo.sh), then enrol with the address and code it prints.
# Usage: ./scripts/app.sh            (data in the platform's app-data folder)
#        STORE_APP_DATA_DIR=/tmp/till-2 ./scripts/app.sh   (a second device on the same machine)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
ensure_prerequisites
ensure_app_prerequisites
./scripts/build-ui.sh
exec cargo run --release --locked -p store-app "$@"
