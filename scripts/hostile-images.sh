#!/usr/bin/env bash
# Container-image cases of issue 12 at full size, with a release build: a real gzip bomb (10 GiB
# of zeros in one layer), a 10 GiB sparse entry (GNU tar --sparse), a 50 MB dpkg status, and the
# throughput of reading a ~300 MB image against `tar -xzf` of the same layers (same run, ratio).
# Prints each case's exit code, wall seconds and peak RSS (GNU time).
#
# Usage: scripts/hostile-images.sh   SG=path/to/supplygate (default: a release build)
#   SCALE=small runs every case small (a quick check of the script itself).
# Needs bash, python3, GNU tar, gzip, GNU time at /usr/bin/time. Writes only under a mktemp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
SG=${SG:-$(release_binary)}
scratch_store fixtures/osv/debian

# oci DIR LAYER...: an OCI image layout named `test` whose layers are the given files (bottom first).
oci() {
  python3 - "$@" <<'PY'
import hashlib, json, os, shutil, sys
out, layers = sys.argv[1], sys.argv[2:]
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
def put(path=None, data=None):
    h = hashlib.sha256(); n = 0
    if data is None:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""): h.update(chunk); n += len(chunk)
        shutil.copyfile(path, f"{out}/blobs/sha256/{h.hexdigest()}")
    else:
        h.update(data); n = len(data)
        open(f"{out}/blobs/sha256/{h.hexdigest()}", "wb").write(data)
    return {"digest": "sha256:" + h.hexdigest(), "size": n}
cfg = put(data=json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode())
cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
ls = []
for l in layers:
    d = put(l); d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"; ls.append(d)
m = put(data=json.dumps({"schemaVersion": 2, "config": cfg, "layers": ls}).encode())
m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
m["annotations"] = {"org.opencontainers.image.ref.name": "test"}
open(f"{out}/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [m]}))
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
}

mkdir -p "$W/home/.cursor"
echo '{"mcpServers":{"s":{"command":"docker","args":["run","-i","--rm","test"]}}}' >"$W/home/.cursor/mcp.json"
# measure LABEL DIR: one scan of the image at DIR.
measure() {
  local rc=0
  /usr/bin/time -f '%e %M' -o "$W/time" timeout 900 "$SG" --db "$DB" scan --offline --home "$W/home" \
    --no-image-store --image-archive "test=$2" >"$W/out" 2>"$W/err" || rc=$?
  read -r secs kb < <(tail -1 "$W/time")
  printf '%-16s exit %s  %6ss  peak RSS %6d KB  %s\n' "$1" "$rc" "$secs" "$kb" \
    "$(grep -m1 -o 'layer [^;]*' "$W/err" | cut -c1-110 || true)"
}
root() { # a Debian 12 root: os-release and the fixture's real dpkg status
  mkdir -p "$1/etc" "$1/var/lib/dpkg"
  printf 'ID=debian\nVERSION_ID="12"\n' >"$1/etc/os-release"
  cp fixtures/images/debian-bookworm/status "$1/var/lib/dpkg/status"
}

# 1. gzip bomb: one layer holding GiB of zeros.
#    The zeros are streamed into the archive, never written to disk.
mkdir -p "$W/bomb"; root "$W/bomb"
python3 - "$W/bomb" "$(size $((10 << 30)) $((300 << 20)))" <<'PY' | gzip -1 >"$W/bomb.tar.gz"
import sys, tarfile
root, n = sys.argv[1], int(sys.argv[2])
class Zeros:
    def __init__(self, n): self.left = n
    def read(self, k=1 << 20):
        k = min(k, self.left, 1 << 20); self.left -= k; return bytes(k)
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as t:
    t.add(root, arcname=".")
    info = tarfile.TarInfo("zeros"); info.size = n
    t.addfile(info, Zeros(n))
PY
rm -rf "$W/bomb"
oci "$W/bomb-oci" "$W/bomb.tar.gz"; rm "$W/bomb.tar.gz"
echo "gzip bomb: $(du -sb "$W/bomb-oci" | cut -f1) bytes on disk"
measure gzip-bomb "$W/bomb-oci"; rm -rf "$W/bomb-oci"

# 2. a 10 GiB sparse entry (GNU sparse format), an executable starting like an ELF program (too
#    large to search for Go build info: the run is incomplete), beside the real root.
mkdir -p "$W/sparse"; root "$W/sparse"
printf '\177ELF' >"$W/sparse/huge"; truncate -s "$(size 10G 600M)" "$W/sparse/huge"; chmod +x "$W/sparse/huge"
tar -C "$W/sparse" --sparse -cf - . | gzip -1 >"$W/sparse.tar.gz"; rm -rf "$W/sparse"
oci "$W/sparse-oci" "$W/sparse.tar.gz"; rm "$W/sparse.tar.gz"
measure sparse-10G "$W/sparse-oci"; rm -rf "$W/sparse-oci"

# 3. a 50 MB dpkg status.
mkdir -p "$W/status"; root "$W/status"
python3 -c "import sys; sys.stdout.write(''.join(f'Package: p{i}\nStatus: install ok installed\nVersion: 1.0-{i}\nDescription: x\n\n' for i in range($(size 700000 10000))))" >"$W/status/var/lib/dpkg/status"
tar -C "$W/status" -cf - . | gzip -1 >"$W/status.tar.gz"; rm -rf "$W/status"
oci "$W/status-oci" "$W/status.tar.gz"; rm "$W/status.tar.gz"
measure status-50MB "$W/status-oci"; rm -rf "$W/status-oci"

# 4. throughput: ~300 MB of real-looking files (random, so gzip cannot shrink them) in 3 layers.
for i in 1 2 3; do
  mkdir -p "$W/l$i/usr/share/data$i"; [ "$i" = 1 ] && root "$W/l$i"
  for j in $(seq 1 "$(size 100 5)"); do head -c 1000000 /dev/urandom >"$W/l$i/usr/share/data$i/f$j"; done
  tar -C "$W/l$i" -cf - . | gzip -1 >"$W/l$i.tar.gz"; rm -rf "$W/l$i"
done
oci "$W/big-oci" "$W/l1.tar.gz" "$W/l2.tar.gz" "$W/l3.tar.gz"
echo "image: $(du -sb "$W/big-oci" | cut -f1) bytes"
untar() { rm -rf "$W/x"; mkdir "$W/x"; for i in 1 2 3; do tar -C "$W/x" -xzf "$W/l$i.tar.gz"; done; }
for round in 1 2 3; do
  s=$(date +%s.%N); untar; t=$(date +%s.%N)
  measure "read-300MB#$round" "$W/big-oci"
  u=$(date +%s.%N)
  python3 -c "print(f'  tar -xzf {$t-$s:.2f}s  supplygate {$u-$t:.2f}s  ratio supplygate/tar {($u-$t)/($t-$s):.2f}')"
done
