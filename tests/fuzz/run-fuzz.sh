#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs each libFuzzer target of a -Dfuzzing=true build for SECONDS, on one core.
#   tests/fuzz/run-fuzz.sh BUILDDIR SECONDS [TARGET...]
# New inputs collect in BUILDDIR/fuzz-work/TARGET (kept between runs); a crash
# leaves its input in BUILDDIR/fuzz-work/crash-TARGET-* and fails the run: copy it to
# tests/fuzz/regressions/TARGET/ (the replay test runs it from then on) and fix the code.
# One line per target: execs, exec/s, coverage (edges), corpus size, result.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd); seconds=$2; shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(profile mapping folder orocrm webcrm graph pst)
work="$build/fuzz-work"; mkdir -p "$work"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export CRMSYNC_SECRETS=file
failed=0
for t in "${targets[@]}"; do
	bin="$build/tests/fuzz/fuzz-$t"
	if [ ! -x "$bin" ]; then echo "fuzz-$t: not built"; continue; fi
	mkdir -p "$work/$t"
	log="$work/$t.log"
	dirs=("$work/$t")
	for d in "$here/corpus/$t" "$here/regressions/$t"; do [ -d "$d" ] && dirs+=("$d"); done
	# FUZZ_RUNS: a fixed number of inputs from a fixed seed, so that a CI run is
	# repeatable; otherwise SECONDS of free search
	if [ -n "${FUZZ_RUNS:-}" ]; then
		limit=(-runs="$FUZZ_RUNS" -seed=1)
	else
		limit=(-max_total_time="$seconds")
	fi
	"$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$work/crash-$t-" \
		"${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*')
	corpus=$(ls "$work/$t" | wc -l)
	if [ $rc -eq 0 ]; then
		echo "fuzz-$t: ${execs:-0} execs, ${speed:-0}/s, cov ${cov:-?}, corpus $corpus, ok"
	else
		failed=$((failed + 1))
		echo "fuzz-$t: ${execs:-0} execs, cov ${cov:-?}, FAILED (rc $rc): $(ls -t "$work"/crash-"$t"-* 2>/dev/null | head -n1)"
		grep -E 'ERROR: |CRITICAL|SUMMARY|^    #[0-9] ' "$log" | head -n 12 | sed 's/^/    /'
	fi
done
exit $((failed > 0))
