#!/usr/bin/env bash
# The main job on the bundled fixtures, offline: load the bundled OSV records
# into the default advisories store, then scan a fixture home made by real
# npx / uvx launches. Exits with supplygate's exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p scanner-cli
sg=target/release/supplygate
"$sg" db import fixtures/osv/PyPI-all.zip fixtures/osv/npm fixtures/osv/PyPI-ghsa-mal
"$sg" db status
home=${1:-fixtures/homes/affected}
# fixtures/homes are trimmed (package files removed), so they are scanned without
# file verification; fixtures/trees/home keeps whole files (try it as HOME).
verify=--no-verify
case "$home" in *fixtures/trees/*) verify= ;; esac
echo "== supplygate scan --offline $verify --home $home"
exec "$sg" scan --offline $verify --home "$home"
