#!/usr/bin/env bash
# First sync of N folder records end to end through crmsync-cli, then a no-change run.
# usage: tests/bench/folder-100k.sh BUILD_DIR [N]   (files go to /dev/shm when it exists, or to
#   BENCH_DIR when set: a real disk shows what the flushes cost). On ext4, leave half a minute
#   between runs: right after the last run's tree was deleted, the kernel's inode allocator
#   skips the recently deleted inodes and file creation costs seconds of system time (perf:
#   find_inode_bit, recently_deleted), which is not the client's.
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd)
n=${2:-100000}
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
base=${BENCH_DIR:-$base}
dir=$(mktemp -d "$base/crmsync-folder-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/crm/contact"
python3 - "$dir/crm/contact" "$n" <<'PY'
import json, sys, os
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, "c%06d.json" % i), "w") as f:
        json.dump({"firstName": "Person%d" % i, "lastName": "Jørgensen", "email": "p%d@example.dk" % i,
                   "jobTitle": "Sælger", "city": "Århus"}, f, ensure_ascii=False)
PY
# the generated files flushed first: a flush in the run must not pay for them
sync
printf '[profile]\ncrm=folder\noutlook=folder\nstate=state.db\n[crm]\npath=crm\n[outlook]\npath=out\n[contact]\nkey=firstName,lastName\n' > "$dir/p.ini"
export CRMSYNC_PLUGIN_DIR="$build/plugins" CRMSYNC_SECRETS=file XDG_DATA_HOME="$dir/xdg"
# wall seconds and peak RSS (MB) of one run
timed () {
	/usr/bin/time -f '%e %M' -o "$dir/time.out" "$build/app/crmsync-cli" sync -p "$dir/p.ini" >/dev/null
	read -r wall rss < "$dir/time.out"
	echo "$wall s, peak RSS $((rss / 1024)) MB"
}
first=$(timed)
echo "first sync of $n folder records: $first ($(ls "$dir/out/contact" | wc -l) written)"
echo "no-change run over $n folder records: $(timed)"
