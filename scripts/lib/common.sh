# Shared by the scripts in scripts/ (sourced, not run).

# release_binary: builds `supplygate` with the release profile and prints its path, wherever cargo
# puts it (CARGO_TARGET_DIR is honoured).
release_binary() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cargo build --quiet --release -p scanner-cli --manifest-path "$root/Cargo.toml"
  echo "${CARGO_TARGET_DIR:-$root/target}/release/supplygate"
}

# size FULL SMALL: FULL, or SMALL when SCALE=small (a quick check of a heavy script itself).
size() { if [ "${SCALE:-}" = small ]; then echo "$2"; else echo "$1"; fi; }

# scratch_store OSV_PATH...: a scratch folder $W, removed at exit, holding a store $DB into which
# $SG imports the given advisories.
scratch_store() {
  W=$(mktemp -d)
  trap 'rm -rf "$W"' EXIT
  DB=$W/db
  "$SG" --db "$DB" db import "$@" >/dev/null 2>&1
}
