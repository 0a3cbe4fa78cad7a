#!/usr/bin/env bash
# Benchmark: our scan of every PST/OST in the test data against `readpst -D -S -o DIR`
# on the same files, in the same run. Prints figures, asserts nothing about speed.
#
# usage: bench-pst.sh READER [ROUNDS]    (meson test -C build --benchmark)
# env:   CRMSYNC_TEST_DATA (default: ../shared/data beside the source root)
set -euo pipefail
reader=${1:?usage: bench-pst.sh READER [ROUNDS]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
data=${CRMSYNC_TEST_DATA:-$here/../../../../shared/data}/pst
if [ ! -d "$data" ]; then
	echo "no test data at $data"; exit 77
fi
command -v readpst >/dev/null || { echo "readpst not installed (pst-utils)"; exit 77; }
# readpst's output on tmpfs where there is one: on a disk its time is the file system's (ext4
# after the last round's deletions costs it seconds), not its reading
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/bench-pst-XXXXXX"); trap 'rm -rf "$tmp"' EXIT

mapfile -d '' files < <(find "$data" -type f \( -name '*.pst' -o -name '*.ost' \) -print0 | sort -z)
bytes=0
for f in "${files[@]}"; do bytes=$((bytes + $(stat -c %s "$f"))); done

now() { date +%s%N; }
ours=0; theirs=0
for ((r = 0; r < rounds; r++)); do
	# what a sync and pst-list run: the provider's open() starts the reader once per file,
	# for every kind, and its reads take what that run listed
	t0=$(now)
	for f in "${files[@]}"; do "$reader" -- "$f" >/dev/null 2>&1 || true; done
	t1=$(now)
	for f in "${files[@]}"; do
		rm -rf "$tmp/out"; mkdir "$tmp/out"
		readpst -D -S -o "$tmp/out" "$f" >/dev/null 2>&1 || true
	done
	t2=$(now)
	ours=$((ours + t1 - t0)); theirs=$((theirs + t2 - t1))
done
awk -v n=${#files[@]} -v b=$bytes -v r=$rounds -v a=$ours -v t=$theirs 'BEGIN {
	mib = b / 1048576
	printf "files: %d, %.1f MiB, %d rounds\n", n, mib, r
	printf "crmsync-pst-reader, every kind (one run per file): %7.3f s/round  %6.1f MiB/s\n", a/1e9/r, mib*r/(a/1e9)
	printf "readpst -D -S -o DIR:                              %7.3f s/round  %6.1f MiB/s\n", t/1e9/r, mib*r/(t/1e9)
	printf "ratio crmsync / readpst: %.2f\n", a/t
}'
