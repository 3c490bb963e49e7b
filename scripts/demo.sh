#!/usr/bin/env bash
# The main job on the bundled fixtures, offline: load the bundled OSV records
# into a scratch advisories store (never the user's own store), then scan a
# fixture home made by real npx / uvx launches. Exits with supplygate's exit
# code. The binary is whatever cargo builds, wherever CARGO_TARGET_DIR (or a
# cargo config) puts it. SUPPLYGATE_DEMO_PROFILE picks the cargo profile
# (default: release).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${SUPPLYGATE_DEMO_PROFILE:-release}
cargo build --quiet --profile "$profile" -p scanner-cli --bin supplygate
# cargo itself says where the binary is: no guess about target/.
target_dir=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
case $profile in dev | test) out=debug ;; bench) out=release ;; *) out=$profile ;; esac
sg="$target_dir/$out/supplygate"
db=$(mktemp -d "${TMPDIR:-/tmp}/supplygate-demo.XXXXXX")
trap 'rm -rf "$db"' EXIT
"$sg" --db "$db" db import fixtures/osv/PyPI-all.zip fixtures/osv/npm fixtures/osv/PyPI-ghsa-mal
"$sg" --db "$db" db status
home=${1:-fixtures/homes/affected}
# fixtures/homes keep only metadata: npm packages are "unverified" (no
# tarballs), Python ones verified on their metadata files only;
# fixtures/trees/home keeps whole files and tarballs.
echo "== supplygate scan --offline --home $home (scratch store $db)"
status=0
"$sg" --db "$db" scan --offline --home "$home" || status=$?
exit "$status"
