#!/usr/bin/env bash
# Runs the demo: an HQ sync server on embedded SQLite, seeded with a generated
# sportswear brand, printing an enrollment code for the demo store.
# Usage: ./scripts/demo.sh [--fresh] [--listen 0.0.0.0:8080]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
ensure_prerequisites
exec cargo run --release --locked -p sync-server --features demo -- demo "$@"
