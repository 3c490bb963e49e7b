#!/usr/bin/env bash
# The advisories store at osv.dev scale: builds release binaries, generates an
# npm all.zip of ~214,000 records (209,000 MAL-) from the real records in
# fixtures/osv, and prints import time, size on disk, the time to match 5,000
# packages and a scan's peak RSS, each with a baseline measured in the same run.
#
#   scripts/bench-store.sh [RECORDS [MALICIOUS]]   # default 214000 209000
#
# Needs /usr/bin/time (GNU time) for the peak-RSS figure. Not run by `cargo test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo build --release --quiet -p scanner-cli --bin supplygate -p supplygate-bench --bin bench-store
target="${CARGO_TARGET_DIR:-$root/target}/release"
exec "$target/bench-store" "$root" "$target/supplygate" "$@"
