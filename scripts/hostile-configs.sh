#!/usr/bin/env bash
# The heavy hostile-config cases of issue 14 at their original sizes: builds each input in a
# scratch folder, runs `supplygate` on it and prints the exit code, wall time and peak RSS
# (GNU time). The small sizes run in `cargo test` (crates/scanner-core/tests/config_parse_linear.rs,
# the policy and discovery e2e tests). The inputs follow the hostile round's reproducers:
#   config-json, config-toml, config-yaml, config-subst (config-parse-quadratic, N=200000: a JSON
#     or TOML array of N items, a YAML mapping of N/2 keys, one argument holding "${" 5N times),
#     each also at 2N so the time of a doubling can be read (linear: about x2; quadratic: x4);
#   config-cap: each format at the 16 MiB config cap (the largest file a client config may be);
#   policy-glob: a 750 KB policy glob of `[a-z]` x 150,000 and one nesting `{a,` 150 deep
#     (policy-glob-panic: exit 2 with the rule named, never a panic).
#
# Usage: scripts/hostile-configs.sh [CASE...]   (default: every case)
#   cases: config-json config-toml config-yaml config-subst config-cap policy-glob
#   SG=path/to/supplygate (default: a release build, made if missing)
#   SCALE=small runs every case at a small size (a quick check of the script itself).
#   T=seconds per command before it is killed (default 300).
# Needs bash, python3, GNU time at /usr/bin/time. Writes only under a mktemp folder, removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
SG=${SG:-$(release_binary)}
scratch_store fixtures/osv/npm
T=${T:-300}

# measure LABEL EXPECTED FILE CMD...: one run, its exit code, wall time and peak RSS.
measure() {
  local label=$1 expected=$2 file=$3; shift 3
  local rc=0
  /usr/bin/time -f '%e %M' -o "$W/time" timeout -s KILL "$T" "$@" >"$W/out" 2>"$W/err" || rc=$?
  read -r wall rss < <(tail -1 "$W/time") || true
  [ "$rc" = 137 ] && wall="$T (killed)"
  printf '%-30s %9s bytes  exit %-3s (expected %s)  wall %8s s  peak RSS %7s KB\n' \
    "$label" "$(wc -c <"$file")" "$rc" "$expected" "$wall" "$rss"
  grep -m1 -E 'error|incomplete' "$W/err" | cut -c1-150 | sed 's/^/    /' || true
}

# config FORMAT N: writes the config-parse-quadratic input for FORMAT at size N into $W/h.
config() {
  rm -rf "$W/h"
  python3 - "$W/h" "$1" "$2" <<'PY'
import sys, json, os
D, fmt, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def put(rel, text):
    os.makedirs(os.path.dirname(f'{D}/{rel}'), exist_ok=True)
    open(f'{D}/{rel}', 'w').write(text)
    print(f'{D}/{rel}')
if fmt == 'json':
    put('.cursor/mcp.json', '{"mcpServers":{"a":{"command":"npx","args":["-y","a@1.0.0"],"x":['
        + ','.join(['0'] * n) + ']}}}')
elif fmt == 'toml':
    put('.codex/config.toml', '[mcp_servers.a]\ncommand = "npx"\nargs = ["-y","a@1.0.0"]\nx = ['
        + ','.join(['0'] * n) + ']\n')
elif fmt == 'yaml':
    put('.continue/config.yaml', 'mcpServers:\n  - name: a\n    command: npx\n    args: ["-y", "a@1.0.0"]\nx:\n'
        + ''.join(f'  k{i}: 0\n' for i in range(n // 2)))
else:
    put('.cursor/mcp.json', json.dumps({'mcpServers': {'a': {'command': 'npx', 'args': ['-y', 'a@1.0.0', '${' * (5 * n)]}}}))
PY
}

scan_config() { # scan_config FORMAT N
  local file; file=$(config "$1" "$2")
  measure "config-$1 (N=$2)" 3 "$file" "$SG" --db "$DB" scan --offline --home "$W/h"
}

config_json() { local n; n=$(size 200000 5000); scan_config json "$n"; scan_config json $((2 * n)); }
config_toml() { local n; n=$(size 200000 5000); scan_config toml "$n"; scan_config toml $((2 * n)); }
config_yaml() { local n; n=$(size 200000 5000); scan_config yaml "$n"; scan_config yaml $((2 * n)); }
config_subst() { local n; n=$(size 200000 5000); scan_config subst "$n"; scan_config subst $((2 * n)); }

config_cap() { # each format just under the 16 MiB cap of a client config
  local n; n=$(size 8300000 50000)
  for fmt in json toml; do scan_config "$fmt" "$n"; done
  scan_config yaml $((n / 6))
  scan_config subst $((n / 6))
}

policy_glob() { # a 750 KB glob of [a-z] x 150,000, and `{a,` nested 150 deep
  local n; n=$(size 150000 1000)
  python3 -c "import sys; open(sys.argv[1], 'w').write('[[rule]]\naction = \"block\"\npackage = \"' + '[a-z]' * int(sys.argv[2]) + '\"\n')" "$W/wide.toml" "$n"
  python3 -c "import sys; open(sys.argv[1], 'w').write('[[rule]]\naction = \"block\"\npackage = \"' + '{a,' * 150 + 'b' + '}' * 150 + '\"\n')" "$W/deep.toml"
  measure "policy-glob ([a-z] x $n)" 2 "$W/wide.toml" "$SG" policy check "$W/wide.toml"
  measure "policy-glob ({a, x 150)" 2 "$W/deep.toml" "$SG" policy check "$W/deep.toml"
}

cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=(config-json config-toml config-yaml config-subst config-cap policy-glob)
echo "supplygate: $SG; $(nproc) cores"
for c in "${cases[@]}"; do "${c//-/_}"; done
