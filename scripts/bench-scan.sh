#!/usr/bin/env bash
# Times `supplygate scan --offline` of a home against the baseline the
# package managers give on the same trees, in the same run:
#   npm ls --all --json (in each npx dir) + pip list --path <site-packages> (each uv env).
# Usage: scripts/bench-scan.sh HOME [RUNS]   (HOME: an untrimmed home made by fixtures/scripts/make-homes.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
home=${1:?usage: bench-scan.sh HOME [RUNS]}
runs=${2:-10}
. scripts/lib/common.sh
sg=$(release_binary)
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
"$sg" --db "$db" db import fixtures/osv/PyPI-all.zip fixtures/osv/npm fixtures/osv/PyPI-ghsa-mal 2>/dev/null

mapfile -t npx_dirs < <(find "$home/.npm/_npx" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
mapfile -t sites < <(find -L "$home/.cache/uv/environments-v2" -mindepth 2 -maxdepth 2 2>/dev/null | grep -v '\.lock$' | while read -r l; do d=$(readlink -f "$l"); ls -d "$d"/lib/python*/site-packages; done)

now() { date +%s%N; }
time_cmd() { # runs "$@" $runs times, prints the median in ms
  local t=() t0 t1
  for _ in $(seq "$runs"); do t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now); t+=($(( (t1 - t0) / 1000 ))); done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", a[int((NR+1)/2)]/1000}'
}
baseline() {
  for d in "${npx_dirs[@]}"; do (cd "$d" && npm ls --all --json >/dev/null 2>&1 || true); done
  for site in "${sites[@]}"; do pip list --path "$site" --format json >/dev/null 2>&1 || true; done
}
scan() { "$sg" --db "$db" scan --offline --home "$home" --format json; }
scan_no_verify() { "$sg" --db "$db" scan --offline --no-verify --home "$home" --format json; }

echo "home: $home (${#npx_dirs[@]} npx dirs, ${#sites[@]} uv envs); $(nproc) cores; median of $runs runs"
b=$(time_cmd baseline)
s=$(time_cmd scan)
n=$(time_cmd scan_no_verify)
echo "npm ls + pip list:              ${b} ms"
echo "supplygate scan (verifying):    ${s} ms"
echo "supplygate scan --no-verify:    ${n} ms"
awk -v b="$b" -v s="$s" -v n="$n" 'BEGIN {printf "scan is %.1fx faster than the baseline; without file verification %.1fx\n", b / s, b / n}'
