#!/usr/bin/env bash
# The heavy hostile-tree cases of issue 14 at their original sizes: builds each input in a scratch
# folder, runs `supplygate scan --offline` on it and prints the exit code, wall time and peak RSS
# (GNU time). The small sizes of the same cases run in `cargo test` (tests/tests/hostile_trees.rs).
# The inputs follow the hostile round's reproducers (npm-readdir-cap, py-readdir-cap,
# plugin-walk-cap, record-sparse, lockfile-1m, npm-tarball-bomb).
#
# Usage: scripts/hostile-trees.sh [CASE...]   (default: every case)
#   cases: npm-readdir py-readdir plugin-walk record-sparse lockfile-1m tarball-bomb
#   SG=path/to/supplygate (default: a release build, made if missing)
#   SCALE=small runs every case at a small size (a quick check of the script itself).
# Needs bash, python3, GNU time at /usr/bin/time. Writes only under a mktemp folder, removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
SG=${SG:-$(release_binary)}
scratch_store fixtures/osv/PyPI-all.zip fixtures/osv/npm fixtures/osv/PyPI-ghsa-mal

# measure LABEL EXPECTED HOME [ARGS...]: one scan, its exit code, wall time and peak RSS.
measure() {
  local label=$1 expected=$2 home=$3; shift 3
  local rc=0
  /usr/bin/time -f '%e %M' -o "$W/time" timeout 900 "$SG" --db "$DB" scan --offline --home "$home" "$@" \
    >"$W/out" 2>"$W/err" || rc=$?
  read -r wall rss < <(tail -1 "$W/time") || true
  printf '%-34s exit %s (expected %s)  wall %6.2f s  peak RSS %7d KB  report %d bytes\n' \
    "$label" "$rc" "$expected" "$wall" "$rss" "$(wc -c <"$W/out")"
  grep -m2 -E 'walk|entries|more than|bytes read|budget|reported as one' "$W/err" | cut -c1-160 | sed 's/^/    /' || true
}

mkpy() { # mkpy DIR: a venv with mcp-runcmd-server VERSION (default 1.0, malicious), valid RECORD
  python3 - "$1" "${2:-1.0}" <<'PY'
import sys, os, json, hashlib, base64
D, ver = sys.argv[1], sys.argv[2]
sp = f'{D}/env/lib/python3.11/site-packages'; di = f'mcp_runcmd_server-{ver}.dist-info'
os.makedirs(f'{sp}/mcp_runcmd_server'); os.makedirs(f'{sp}/{di}'); os.makedirs(f'{D}/home'); os.makedirs(f'{D}/env/bin')
json.dump({"mcpServers": {"s": {"command": f"{D}/env/bin/python", "args": ["-m", "mcp_runcmd_server"]}}}, open(f'{D}/home/.claude.json', 'w'))
open(f'{D}/env/pyvenv.cfg', 'w').write('home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n')
os.symlink('/usr/bin/python3', f'{D}/env/bin/python')
open(f'{sp}/mcp_runcmd_server/__init__.py', 'w').write('print("hi")\n')
open(f'{sp}/{di}/METADATA', 'w').write(f'Metadata-Version: 2.1\nName: mcp-runcmd-server\nVersion: {ver}\n\n')
rows = []
for rel in ['mcp_runcmd_server/__init__.py', f'{di}/METADATA']:
    b = open(f'{sp}/{rel}', 'rb').read()
    rows.append(f'{rel},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()},{len(b)}')
open(f'{sp}/{di}/RECORD', 'w').write('\n'.join(rows + [f'{di}/RECORD,,']) + '\n')
PY
}

mknpm() { # mknpm DIR VERSION: a node project (server: node proj/index.js) with chalk@VERSION
  python3 - "$1" "$2" <<'PY'
import sys, os, json
D, v = sys.argv[1], sys.argv[2]
os.makedirs(f'{D}/home'); os.makedirs(f'{D}/proj/node_modules/chalk')
json.dump({"mcpServers": {"s": {"command": "node", "args": [f"{D}/proj/index.js"]}}}, open(f'{D}/home/.claude.json', 'w'))
open(f'{D}/proj/index.js', 'w').write('require("chalk")\n')
json.dump({"name": "proj", "version": "1.0.0", "dependencies": {"chalk": v}}, open(f'{D}/proj/package.json', 'w'))
json.dump({"name": "chalk", "version": v}, open(f'{D}/proj/node_modules/chalk/package.json', 'w'))
PY
}

npm_readdir() { # node_modules with 200,000 entries besides the malicious chalk
  local n; n=$(size 200000 1000); mknpm "$W/nr" 5.6.1
  python3 -c "import sys; [open(f'{sys.argv[1]}/f{i:06d}', 'w').close() for i in range(int(sys.argv[2]))]" "$W/nr/proj/node_modules" "$n"
  measure "npm-readdir ($n entries)" "1 or 3" "$W/nr/home"; rm -rf "$W/nr"
}

py_readdir() { # site-packages with 200,000 entries besides the malicious dist
  local n; n=$(size 200000 1000); mkpy "$W/pr"
  python3 -c "import sys; [open(f'{sys.argv[1]}/f{i:06d}', 'w').close() for i in range(int(sys.argv[2]))]" "$W/pr/env/lib/python3.11/site-packages" "$n"
  measure "py-readdir ($n entries)" "1 or 3" "$W/pr/home"; rm -rf "$W/pr"
}

plugin_walk() { # a plugin shipping 25,000 files next to a plugin with a malicious server
  local n; n=$(size 25000 500); local c=$W/pw/home/.claude/plugins/cache/market
  mkdir -p "$c/aaa-plugin/1.0.0" "$c/zzz-plugin/1.0.0/node_modules" "$c/zzz-plugin/1.0.0/dist"
  echo '{"mcpServers": {"hidden": {"command": "npx", "args": ["-y", "chalk@5.6.1"]}}}' >"$c/aaa-plugin/1.0.0/.mcp.json"
  local x=$W/pw/home/.npm/_npx/f76d5af9494ba50d; mkdir -p "$x/node_modules/chalk"
  echo '{"name":"chalk","version":"5.6.1"}' >"$x/node_modules/chalk/package.json"
  echo '{"dependencies":{"chalk":"5.6.1"}}' >"$x/package.json"
  python3 -c "import sys; [open(f'{sys.argv[1]}/f{i:06d}.js', 'w').close() for i in range(int(sys.argv[2]))]" "$c/zzz-plugin/1.0.0/node_modules" "$n"
  measure "plugin-walk ($n files in node_modules)" 1 "$W/pw/home"
  python3 -c "import sys; [open(f'{sys.argv[1]}/f{i:06d}.js', 'w').close() for i in range(int(sys.argv[2]))]" "$c/zzz-plugin/1.0.0/dist" "$(size 120000 500)"
  measure "plugin-walk (+ $(size 120000 500) files in dist)" "1 or 3" "$W/pw/home"; rm -rf "$W/pw"
}

record_sparse() { # a RECORD naming 8 sparse 1 GiB files with their right hashes
  local n; n=$(size 8 2); mkpy "$W/rs" 3.0
  python3 - "$W/rs/env/lib/python3.11/site-packages" "$n" <<'PY'
import sys, os, hashlib, base64
sp, n = sys.argv[1], int(sys.argv[2]); di = 'mcp_runcmd_server-3.0.dist-info'
h = hashlib.sha256(); z = bytes(1 << 24)
for _ in range(64): h.update(z)
rows = open(f'{sp}/{di}/RECORD').read()
for i in range(n):
    p = f'mcp_runcmd_server/data{i}.bin'
    with open(f'{sp}/{p}', 'wb') as f: f.truncate(1 << 30)
    rows += f'{p},sha256={base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()},{1 << 30}\n'
open(f'{sp}/{di}/RECORD', 'w').write(rows)
PY
  measure "record-sparse ($n x 1 GiB sparse)" "0 or 3" "$W/rs/home"; rm -rf "$W/rs"
}

lockfile_1m() { # a hidden lockfile naming 1,000,000 packages that are not installed
  local n; n=$(size 1000000 5000); mknpm "$W/lf" 5.6.0
  python3 - "$W/lf/proj/node_modules/.package-lock.json" "$n" <<'PY'
import sys
f = open(sys.argv[1], 'w'); n = int(sys.argv[2])
f.write('{"name":"proj","version":"1.0.0","lockfileVersion":3,"packages":{')
f.write(','.join(f'"node_modules/p{i:06d}":{{"version":"1.0.0"}}' for i in range(n)))
f.write('}}')
PY
  for fmt in table json sarif; do measure "lockfile-1m ($n, $fmt)" 0 "$W/lf/home" --format "$fmt"; done
  rm -rf "$W/lf"
}

tarball_bomb() { # 4 cached tarballs of ~1 MiB inflating to 1 GiB each
  local n mib; n=$(size 4 2); mib=$(size 1024 64)
  python3 - "$W/tb" "$n" "$mib" <<'PY'
import os, sys, io, json, tarfile, gzip, hashlib, base64
D, N, SIZE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * (1 << 20) - 4096
os.makedirs(f'{D}/home/.npm'); os.makedirs(f'{D}/proj/node_modules')
json.dump({"mcpServers": {"s": {"command": "node", "args": [f"{D}/proj/index.js"]}}}, open(f'{D}/home/.claude.json', 'w'))
open(f'{D}/proj/index.js', 'w').write('//\n')
class Zeros(io.RawIOBase):
    def __init__(s, n): s.left = n
    def readable(s): return True
    def readinto(s, b):
        n = min(len(b), s.left); b[:n] = bytes(n); s.left -= n; return n
pkgs, deps = {}, {}
for i in range(N):
    name = f'bomb{i}'; pj = json.dumps({"name": name, "version": "1.0.0"}).encode(); raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode='wb', compresslevel=9) as gz:
        with tarfile.open(fileobj=gz, mode='w') as t:
            ti = tarfile.TarInfo('package/package.json'); ti.size = len(pj); t.addfile(ti, io.BytesIO(pj))
            ti = tarfile.TarInfo('package/blob.bin'); ti.size = SIZE; t.addfile(ti, io.BufferedReader(Zeros(ti.size)))
    tgz = raw.getvalue(); dg = hashlib.sha512(tgz).digest(); hx = dg.hex()
    p = f'{D}/home/.npm/_cacache/content-v2/sha512/{hx[:2]}/{hx[2:4]}'; os.makedirs(p, exist_ok=True)
    open(f'{p}/{hx[4:]}', 'wb').write(tgz)
    d = f'{D}/proj/node_modules/{name}'; os.makedirs(d); open(f'{d}/package.json', 'wb').write(pj)
    with open(f'{d}/blob.bin', 'wb') as f: f.truncate(SIZE)
    pkgs[f'node_modules/{name}'] = {"version": "1.0.0", "integrity": "sha512-" + base64.b64encode(dg).decode()}
    deps[name] = "1.0.0"
json.dump({"name": "proj", "version": "1.0.0", "dependencies": deps}, open(f'{D}/proj/package.json', 'w'))
json.dump({"name": "proj", "version": "1.0.0", "lockfileVersion": 3,
           "packages": {"": {"name": "proj", "version": "1.0.0", "dependencies": deps}, **pkgs}},
          open(f'{D}/proj/package-lock.json', 'w'))
PY
  measure "tarball-bomb ($n x $mib MiB)" 0 "$W/tb/home"; rm -rf "$W/tb"
}

cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=(npm-readdir py-readdir plugin-walk record-sparse lockfile-1m tarball-bomb)
echo "supplygate: $SG; $(nproc) cores"
for c in "${cases[@]}"; do "${c//-/_}"; done
