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
# fixtures/homes keep only metadata (no tarballs, no RECORD): their packages
# are reported "unverified"; fixtures/trees/home keeps whole files and tarballs.
echo "== supplygate scan --offline --home $home"
exec "$sg" scan --offline --home "$home"
