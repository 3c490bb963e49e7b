#!/usr/bin/env bash
# Optional, not part of `cargo test`: vets ten popular MCP servers from the
# real registries with `supplygate vet`, installs the same specs the way the
# launchers do (npm's reify with scripts off into a scratch npx-style folder;
# `uv tool install --no-build` into a scratch tool dir) in a scratch home, and
# compares the (name, version) sets. Nothing is launched and no script runs.
# Also times `vet` against plain `npm install --package-lock-only` and
# `uv pip compile` in the same run.
#
# usage: scripts/vet-real-servers.sh [path/to/supplygate]
set -uo pipefail
BIN=${1:-target/release/supplygate}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export HOME=$SCRATCH/home npm_config_cache=$SCRATCH/npm-cache UV_CACHE_DIR=$SCRATCH/uv-cache
mkdir -p "$HOME"
DB=$SCRATCH/db
"$BIN" --db "$DB" db import "$(dirname "$0")/../fixtures/osv/npm" "$(dirname "$0")/../fixtures/osv/PyPI-ghsa-mal" >/dev/null 2>&1

NPM=(@modelcontextprotocol/server-filesystem @modelcontextprotocol/server-memory
     @modelcontextprotocol/server-sequential-thinking @modelcontextprotocol/server-everything
     @modelcontextprotocol/server-github @modelcontextprotocol/server-puppeteer)
PY=(mcp-server-fetch mcp-server-git mcp-server-time markitdown-mcp)

vet_set() { # launch command → sorted name@version lines
  "$BIN" --db "$DB" vet --max-staleness 3650d --http-timeout 5s --osv-url http://127.0.0.1:9 --format json "$1" 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin)
for s in d["servers"]:
  for p in s["packages"]: print(p["name"].lower()+"@"+p["version"])' | sort -u
}

now() { date +%s.%N; }
# PEP 503 names (`pdfminer.six` = `pdfminer-six`), sorted, one per line.
pep503() { awk -F@ '{n=tolower($1); gsub(/[-_.]+/, "-", n); print n"@"$2}' | sort -u; }
equal=0; differ=0
for pkg in "${NPM[@]}"; do
  t0=$(now); vet_set "npx -y $pkg" > "$SCRATCH/vet.txt"; t1=$(now)
  dir=$SCRATCH/npx/$(echo "$pkg" | tr '/@' '__'); mkdir -p "$dir"; echo '{}' > "$dir/package.json"
  (cd "$dir" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund "$pkg" >/dev/null 2>&1); t2=$(now)
  (cd "$dir" && rm -f package-lock.json && npm install --ignore-scripts --no-audit --no-fund "$pkg" >/dev/null 2>&1)
  node -e 'const l=require(process.argv[1]);for(const[k,v]of Object.entries(l.packages)){if(!k||!v.version)continue;const n=v.name||k.split("node_modules/").pop();console.log(n.toLowerCase()+"@"+v.version)}' \
    "$dir/node_modules/.package-lock.json" | sort -u > "$SCRATCH/installed.txt"
  if diff -q "$SCRATCH/vet.txt" "$SCRATCH/installed.txt" >/dev/null; then r=equal; equal=$((equal+1)); else r="DIFFERENT: $(diff "$SCRATCH/vet.txt" "$SCRATCH/installed.txt" | grep '^[<>]' | head -5 | tr '\n' ' ')"; differ=$((differ+1)); fi
  printf '%-52s %4d pkgs  vet %.2fs  npm lock-only %.2fs  ratio %.2f  %s\n' "npx $pkg" "$(wc -l < "$SCRATCH/vet.txt")" \
    "$(echo "$t1-$t0" | bc)" "$(echo "$t2-$t1" | bc)" "$(echo "($t1-$t0)/($t2-$t1)" | bc -l)" "$r"
done
for pkg in "${PY[@]}"; do
  t0=$(now); vet_set "uvx $pkg" | pep503 > "$SCRATCH/vet.txt"; t1=$(now)
  echo "$pkg" > "$SCRATCH/req.in"
  uv pip compile -q --no-build "$SCRATCH/req.in" -o "$SCRATCH/req.txt" >/dev/null 2>&1; t2=$(now)
  UV_TOOL_DIR=$SCRATCH/tools UV_TOOL_BIN_DIR=$SCRATCH/bin uv tool install -q --no-build "$pkg" >/dev/null 2>&1
  find "$SCRATCH/tools" -maxdepth 5 -name '*.dist-info' -path "*$(echo "$pkg" | tr - _)*" >/dev/null
  envdir=$(ls -d "$SCRATCH"/tools/*/ | grep -i "/$pkg/$" | head -1)
  for d in "$envdir"lib/python*/site-packages/*.dist-info; do
    awk -F': ' '/^Name:/{n=$2}/^Version:/{v=$2}END{print tolower(n)"@"v}' "$d/METADATA"
  done | tr -d '\r' | pep503 > "$SCRATCH/installed.txt"
  if diff -q "$SCRATCH/vet.txt" "$SCRATCH/installed.txt" >/dev/null; then r=equal; equal=$((equal+1)); else r="DIFFERENT: $(diff "$SCRATCH/vet.txt" "$SCRATCH/installed.txt" | grep '^[<>]' | head -5 | tr '\n' ' ')"; differ=$((differ+1)); fi
  printf '%-52s %4d pkgs  vet %.2fs  uv pip compile %.2fs  ratio %.2f  %s\n' "uvx $pkg" "$(wc -l < "$SCRATCH/vet.txt")" \
    "$(echo "$t1-$t0" | bc)" "$(echo "$t2-$t1" | bc)" "$(echo "($t1-$t0)/($t2-$t1)" | bc -l)" "$r"
done
echo "package sets: $equal equal, $differ different"
