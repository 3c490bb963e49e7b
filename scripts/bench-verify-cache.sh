#!/usr/bin/env bash
# Benchmark of the verification cache (issue 13, "Faster repeat scans"), all in one run:
# whole-process wall time (median of $RUNS) of
#   first  : `scan` with no verification cache (every installed file read; the cache is then written),
#   repeat : the same scan again (files unchanged since are not read),
#   noverify: `scan --no-verify` (the floor: discover + resolve + match, no file read),
# on the fixture homes and on a real-ish home built once under $BENCH by real installs
# (npm exec / uvx with scripts off) of MCP servers. Prints the ratios first/repeat and repeat/noverify.
# Needs node/npm and uv on PATH and the package registries for the first build; not run by CI.
set -euo pipefail
BENCH=${BENCH:-/tmp/bench-verify-cache}
RUNS=${RUNS:-5}
H="$BENCH/home"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
e() { ( mkdir -p "$H/cwd" && cd "$H/cwd" && env -u XDG_CACHE_HOME -u XDG_DATA_HOME -u UV_CACHE_DIR -u UV_TOOL_DIR \
  -u npm_config_prefix HOME="$H" npm_config_cache="$H/.npm" npm_config_userconfig="$H/.npmrc" \
  npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false PUPPETEER_SKIP_DOWNLOAD=1 \
  UV_PYTHON_DOWNLOADS=never "$@" ); }
NPM=(@modelcontextprotocol/server-filesystem@2025.8.21 @modelcontextprotocol/server-memory
  @modelcontextprotocol/server-everything @modelcontextprotocol/server-sequential-thinking)
PY=(mcp-server-fetch mcp-server-time)
if [ ! -f "$H/.built" ]; then
  rm -rf "$H"; mkdir -p "$H"
  for s in "${NPM[@]}"; do e timeout 300 npm exec --yes --ignore-scripts --package="$s" -- true; done
  for s in "${PY[@]}"; do e timeout 300 uvx --no-build "$s" --help </dev/null >/dev/null 2>&1 || true; done
  python3 - "$H" "${NPM[@]}" -- "${PY[@]}" <<'PYEOF'
import json, sys
home, rest = sys.argv[1], sys.argv[2:]
cut = rest.index('--'); npm, py = rest[:cut], rest[cut+1:]
servers = {f"npm-{i}": {"command": "npx", "args": ["-y", s]} for i, s in enumerate(npm)}
servers.update({f"py-{i}": {"command": "uvx", "args": [s]} for i, s in enumerate(py)})
json.dump({"mcpServers": servers}, open(f"{home}/.claude.json", "w"), indent=1)
PYEOF
  sleep 3   # files changed in the last 2 s before a scan are never cached
  touch "$H/.built"
fi
. "$ROOT/scripts/lib/common.sh"
SG=$(release_binary)
DB=$(mktemp -d)
trap 'rm -rf "$DB"' EXIT
"$SG" --db "$DB" db import "$ROOT/fixtures/osv/npm" "$ROOT/fixtures/osv/PyPI-all.zip" >/dev/null 2>&1
now() { date +%s.%N; }
# median wall time (s) of $RUNS runs of "$@", after one warm-up run
timed() {
  local t=() t0 t1
  "$@" > /dev/null 2>&1 || true
  for _ in $(seq "$RUNS"); do t0=$(now); "$@" > /dev/null 2>&1 || true; t1=$(now); t+=("$(echo "$t1 - $t0" | bc)"); done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
first() { rm -f "$DB/verify-cache.bin"; "$SG" --db "$DB" scan --offline --home "$1" --format json; }
repeat() { "$SG" --db "$DB" scan --offline --home "$1" --format json; }
noverify() { "$SG" --db "$DB" scan --offline --no-verify --home "$1" --format json; }
echo "cores: $(nproc)  median of $RUNS runs each  (whole-process wall time)"
for home in "$ROOT"/fixtures/homes/* "$ROOT/fixtures/trees/home" "$H"; do
  [ -d "$home" ] || continue
  F=$(timed first "$home"); R=$(timed repeat "$home"); N=$(timed noverify "$home")
  FILES=$( (repeat "$home" 2>/dev/null || true) | python3 -c '
import json, re, sys
r = json.load(sys.stdin); n = 0
for s in r["servers"]:
    for note in (s.get("tree") or {}).get("notes", []):
        m = re.match(r"(\d+) of (\d+) files unchanged", note)
        n += int(m.group(1)) if m else 0
print(n)' 2>/dev/null || echo "no report, 0")
  printf '%-40s first %.3fs  repeat %.3fs  --no-verify %.3fs  first/repeat %.1fx  repeat/--no-verify %.2fx  (%s files from the cache)\n' \
    "${home#"$ROOT"/}" "$F" "$R" "$N" "$(echo "$F / $R" | bc -l)" "$(echo "$R / $N" | bc -l)" "$FILES"
done
