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
  @modelcontextprotocol/server-sequential-thinking)
PY=(mcp-server-fetch mcp-server-git mcp-server-time mcp-server-time@2025.9.25 mcp-server-sqlite)
if [ ! -f "$H/.built" ]; then
  rm -rf "$H"; mkdir -p "$H"
  for s in "${NPM[@]}"; do e timeout 300 npm exec --yes --ignore-scripts --package="$s" -- true; done
  for s in "${PY[@]}"; do e timeout 300 uvx "$s" --help </dev/null >/dev/null 2>&1 || true; done
  python3 - "$H" "${NPM[@]}" -- "${PY[@]}" <<'PYEOF'
import json, sys
home, rest = sys.argv[1], sys.argv[2:]
cut = rest.index('--'); npm, py = rest[:cut], rest[cut+1:]
servers = {f"npm-{i}": {"command": "npx", "args": ["-y", s]} for i, s in enumerate(npm)}
servers.update({f"py-{i}": {"command": "uvx", "args": [s]} for i, s in enumerate(py)})
json.dump({"mcpServers": servers}, open(f"{home}/.claude.json", "w"), indent=1)
PYEOF
  touch "$H/.built"
fi
NPX_DIRS=("$H"/.npm/_npx/*)
ENVS=($(find -L "$H/.cache/uv/environments-v2" -mindepth 2 -maxdepth 2 -name '*' ! -name '*.lock' -exec readlink -f {} \; | sort -u))
SITES=(); for env in "${ENVS[@]}"; do SITES+=("$(echo "$env"/lib/python3*/site-packages)"); done
cargo build --quiet --release -p scanner-cli --manifest-path "$ROOT/Cargo.toml"
SG="$ROOT/target/release/supplygate"
DB=$(mktemp -d)
now() { date +%s.%N; }
# Warm the page cache for every contender alike.
cat $(find "${NPX_DIRS[@]}" "${ENVS[@]}" "$H/.npm/_cacache/content-v2" -type f) > /dev/null
t0=$(now); "$SG" --db "$DB" scan --offline --home "$H" --format json > "$BENCH/report.json" 2>/dev/null || true; t1=$(now)
for d in "${NPX_DIRS[@]}"; do ( cd "$d" && npm ls --all --json > /dev/null 2>&1 || true ); done; t2=$(now)
for s in "${SITES[@]}"; do pip list --format json --path "$s" > /dev/null 2>&1; done; t3=$(now)
FILES=$(mktemp); find "${NPX_DIRS[@]}" "${SITES[@]}" "$H/.npm/_cacache/content-v2" -type f -print0 > "$FILES"
t4=$(now); xargs -0 sha256sum < "$FILES" > /dev/null; t5=$(now)
xargs -0 -P2 -n 200 sha256sum < "$FILES" > /dev/null; t6=$(now)
BYTES=$(xargs -0 stat -c %s < "$FILES" | awk '{s+=$1} END {print s}')
python3 - "$BENCH/report.json" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$t6" "$BYTES" <<'PYEOF'
import json, sys, os
r = json.load(open(sys.argv[1])); t = list(map(float, sys.argv[2:9])); size = int(sys.argv[9])
pk = [p for s in r["servers"] for p in s["packages"]]
npm = sum(p["ecosystem"] == "npm" for p in pk); py = len(pk) - npm
states = {}
for p in pk: states[p["integrity"]["state"]] = states.get(p["integrity"]["state"], 0) + 1
scan, npmls, pip, sha1, sha2 = t[1]-t[0], t[2]-t[1], t[3]-t[2], t[5]-t[4], t[6]-t[5]
print(f"cores: {os.cpu_count()}  servers: {len(r['servers'])}  packages: {npm} npm + {py} PyPI  integrity: {states}")
print(f"supplygate scan (resolve + verify): {scan:.2f}s")
print(f"npm ls --all --json: {npmls:.2f}s   pip list --path: {pip:.2f}s   together: {npmls+pip:.2f}s")
print(f"resolution speed-up vs npm ls + pip list: {(npmls+pip)/scan:.1f}x")
print(f"files: {size/1e6:.1f} MB; sha256sum: {sha1:.2f}s ({size/1e6/sha1:.0f} MB/s), sha256sum -P2: {sha2:.2f}s")
print(f"supplygate throughput (whole scan over the same bytes): {size/1e6/scan:.0f} MB/s = {sha1/scan*100:.0f}% of sha256sum, {sha2/scan*100:.0f}% of sha256sum -P2")
PYEOF
