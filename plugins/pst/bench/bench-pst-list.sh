#!/usr/bin/env bash
# Benchmark: `crmsync-cli pst-list --json` (what a sync reads, through the provider) against
# `readpst -D -S -o DIR`, every PST/OST of the test data, wall time per round, median of ROUNDS.
# Prints figures, asserts nothing about speed.
#
# usage: bench-pst-list.sh CLI [ROUNDS]
# env:   CRMSYNC_TEST_DATA (default: ../shared/data beside the source root)
set -euo pipefail
cli=${1:?usage: bench-pst-list.sh CLI [ROUNDS]}
rounds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
data=${CRMSYNC_TEST_DATA:-$here/../../../../shared/data}/pst
if [ ! -d "$data" ]; then
	echo "no test data at $data"; exit 77
fi
command -v readpst >/dev/null || { echo "readpst not installed (pst-utils)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mapfile -d '' files < <(find "$data" -type f \( -name '*.pst' -o -name '*.ost' \) -print0 | sort -z)

now() { date +%s%N; }
ours=(); theirs=()
for ((r = 0; r < rounds; r++)); do
	t0=$(now)
	for f in "${files[@]}"; do "$cli" pst-list --json "$f" >/dev/null 2>&1 || true; done
	t1=$(now)
	for f in "${files[@]}"; do
		rm -rf "$tmp/out"; mkdir "$tmp/out"
		readpst -D -S -o "$tmp/out" "$f" >/dev/null 2>&1 || true
	done
	t2=$(now)
	ours+=($((t1 - t0))); theirs+=($((t2 - t1)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mo=$(median "${ours[@]}"); mt=$(median "${theirs[@]}")
awk -v n=${#files[@]} -v r=$rounds -v o=$mo -v t=$mt 'BEGIN {
	printf "files: %d, median of %d rounds\n", n, r
	printf "crmsync-cli pst-list --json: %.3f s\nreadpst -D -S -o DIR:        %.3f s\nratio: %.2f\n", o/1e9, t/1e9, o/t
}'
