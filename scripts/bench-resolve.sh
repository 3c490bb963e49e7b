#!/usr/bin/env bash
# Benchmark of resolution and verification (issue 5), all in one run on this machine:
#   1. resolution: `supplygate scan` (discover + resolve + verify, empty advisories store)
#      vs `npm ls --all --json` on every npm tree + `pip list --path` on every Python env;
#   2. verification throughput: the same scan vs `sha256sum` over the same files
#      (the installed files of every tree, plus the cached tarballs).
# Builds the bench home (ten npm + five Python servers, real installs) once under $BENCH.
# Needs node/npm, uv (/tmp/fx/_tools/bin), pip, sha256sum, network for the first build.
set -euo pipefail
BENCH=${BENCH:-/tmp/bench-resolve}
H="$BENCH/home"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/tmp/fx/_tools/bin:$PATH"
e() { ( mkdir -p "$H/cwd" && cd "$H/cwd" && env -u XDG_CACHE_HOME -u XDG_DATA_HOME -u UV_CACHE_DIR -u UV_TOOL_DIR \
  -u npm_config_prefix HOME="$H" npm_config_cache="$H/.npm" npm_config_userconfig="$H/.npmrc" \
  npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false PUPPETEER_SKIP_DOWNLOAD=1 \
  UV_PYTHON_DOWNLOADS=never "$@" ); }
NPM=(@modelcontextprotocol/server-filesystem @modelcontextprotocol/server-filesystem@2025.8.21
  @modelcontextprotocol/server-github @modelcontextprotocol/server-memory @modelcontextprotocol/server-puppeteer
  @modelcontextprotocol/server-everything @modelcontextprotocol/server-gdrive@0.6.2
  @modelcontextprotocol/server-brave-search @modelcontextprotocol/server-slack
  @modelcontextprotocol/server-sequential-thinking @modelcontextprotocol/inspector@0.16.8)
PY=(mcp-server-fetch mcp-server-git mcp-server-time mcp-server-time@2025.9.25 mcp-server-sqlite "--from jupyterlab==4.4.9 jupyter-lab")
if [ ! -f "$H/.built" ]; then
  rm -rf "$H"; mkdir -p "$H"
  for s in "${NPM[@]}"; do e timeout 300 npm exec --yes --ignore-scripts --package="$s" -- true; done
  for s in "${PY[@]}"; do e timeout 300 uvx $s --help </dev/null >/dev/null 2>&1 || true; done
  python3 - "$H" "${NPM[@]}" -- "${PY[@]}" <<'PYEOF'
import json, sys
home, rest = sys.argv[1], sys.argv[2:]
cut = rest.index('--'); npm, py = rest[:cut], rest[cut+1:]
servers = {f"npm-{i}": {"command": "npx", "args": ["-y", s]} for i, s in enumerate(npm)}
servers.update({f"py-{i}": {"command": "uvx", "args": s.split()} for i, s in enumerate(py)})
json.dump({"mcpServers": servers}, open(f"{home}/.claude.json", "w"), indent=1)
PYEOF
  touch "$H/.built"
fi
NPX_DIRS=("$H"/.npm/_npx/*)
ENVS=($(find -L "$H/.cache/uv/environments-v2" -mindepth 2 -maxdepth 2 -name '*' ! -name '*.lock' -exec readlink -f {} \; | sort -u))
SITES=(); for env in "${ENVS[@]}"; do SITES+=("$(echo "$env"/lib/python3*/site-packages)"); done
. "$ROOT/scripts/lib/common.sh"
SG=$(release_binary)
DB=$(mktemp -d)
RUNS=${RUNS:-3}
now() { date +%s.%N; }
# median wall time (s) of $RUNS runs of "$@"
timed() {
  local t=() t0 t1
  for _ in $(seq "$RUNS"); do t0=$(now); "$@" > /dev/null 2>&1 || true; t1=$(now); t+=("$(echo "$t1 - $t0" | bc)"); done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
scan() { "$SG" --db "$DB" scan --offline --home "$H" --format json; }
resolve_only() { "$SG" --db "$DB" scan --offline --no-verify --home "$H" --format json; }
npm_ls() { for d in "${NPX_DIRS[@]}"; do ( cd "$d" && npm ls --all --json || true ); done; }
pip_list() { for s in "${SITES[@]}"; do pip list --format json --path "$s"; done; }
# The files verification reads: installed files of every tree, and the cached tarballs (gzip), not packuments.
FILES=$(mktemp); { find "${NPX_DIRS[@]}" "${SITES[@]}" -type f -print0
  find "$H/.npm/_cacache/content-v2" -type f -print0 | python3 -c '
import sys
for p in sys.stdin.buffer.read().split(b"\0"):
    if p and open(p, "rb").read(2) == b"\x1f\x8b": sys.stdout.buffer.write(p + b"\0")'; } > "$FILES"
sha1() { xargs -0 sha256sum < "$FILES"; }
sha2() { xargs -0 -P2 -n 200 sha256sum < "$FILES"; }
xargs -0 cat < "$FILES" > /dev/null   # warm the page cache for every contender alike
scan > "$BENCH/report.json" 2>/dev/null || true
T_SCAN=$(timed scan); T_RES=$(timed resolve_only); T_NPM=$(timed npm_ls); T_PIP=$(timed pip_list); T_SHA1=$(timed sha1); T_SHA2=$(timed sha2)
BYTES=$(xargs -0 stat -c %s < "$FILES" | awk '{s+=$1} END {print s}')
python3 - "$BENCH/report.json" "$T_SCAN" "$T_NPM" "$T_PIP" "$T_SHA1" "$T_SHA2" "$BYTES" "$RUNS" "$T_RES" <<'PYEOF'
import json, sys, os
r = json.load(open(sys.argv[1])); scan, npmls, pip, sha1, sha2 = map(float, sys.argv[2:7]); size = int(sys.argv[7]); res = float(sys.argv[9])
pk = [p for s in r["servers"] for p in s["packages"]]
npm = sum(p["ecosystem"] == "npm" for p in pk); py = len(pk) - npm
states = {}
for p in pk: states[p["integrity"]["state"]] = states.get(p["integrity"]["state"], 0) + 1
print(f"cores: {os.cpu_count()}  median of {sys.argv[8]} runs  servers: {len(r['servers'])}  packages: {npm} npm + {py} PyPI  integrity: {states}")
print(f"supplygate scan --no-verify (discover + resolve + graph): {res:.2f}s; scan with verification: {scan:.2f}s")
print(f"npm ls --all --json: {npmls:.2f}s   pip list --path: {pip:.2f}s   together: {npmls+pip:.2f}s")
print(f"resolution: supplygate is {(npmls+pip)/res:.1f}x faster than npm ls + pip list ({(npmls+pip)/scan:.1f}x with verification included)")
print(f"files: {size/1e6:.1f} MB; sha256sum: {sha1:.2f}s ({size/1e6/sha1:.0f} MB/s); sha256sum on 2 processes: {sha2:.2f}s ({size/1e6/sha2:.0f} MB/s)")
ver = max(scan - res, 1e-9)
print(f"verification alone (scan - scan --no-verify): {ver:.2f}s = {size/1e6/ver:.0f} MB/s = {sha1/ver*100:.0f}% of sha256sum, {sha2/ver*100:.0f}% of 2-process sha256sum")
print(f"whole scan over the same bytes: {size/1e6/scan:.0f} MB/s = {sha1/scan*100:.0f}% of sha256sum")
PYEOF
