#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# OroCRM → Microsoft 365 end to end through crmsync-cli and the emulators: a
# first sync of N generated OroCRM contacts into an empty Graph mailbox, then
# RUNS no-change runs. For each run: wall time, CPU (user + system), peak RSS
# and the requests per kind on each side (from the HTTP client's debug lines).
# With CALLGRIND=1 the last no-change run also runs under callgrind and its
# instruction count is printed (CALLGRIND_OUT=FILE keeps the profile).
# ORO_EXTRA adds lines to [crm] (for example "sweep-interval=0" to see what
# the daily full listing costs). FIRST_WRAP runs the first sync under a tool
# (for example "heaptrack -o /tmp/first" or "valgrind --tool=massif
# --massif-out-file=/tmp/massif.out"). The emulators' own CPU is printed
# after the first sync: on a small machine they take much of it. GRAPH_WRAP
# runs the Graph emulator under a tool (for example "valgrind
# --tool=callgrind --callgrind-out-file=/tmp/graph.out").
#
# usage: tests/bench/oro-graph.sh BUILD_DIR [N] [RUNS]
#   (use an optimised build: meson setup _build-rel -Dbuildtype=release)
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd)
n=${2:-100000}
runs=${3:-1}
dir=$(mktemp -d "${TMPDIR:-/tmp}/crmsync-oro-graph-XXXXXX")
pids=()
cleanup () {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] && echo "kept $dir" >&2 || rm -rf "$dir"
}
trap cleanup EXIT

start_emulator () { # api generate → sets origin
	local out="$dir/emu-$1.out"
	local wrap=
	[ "$1" = graph ] && wrap=${GRAPH_WRAP:-}
	$wrap "$build/tests/emulators/crmsync-emulator" --api "$1" --port 0 --generate "$2" > "$out" 2>&1 &
	pids+=($!)
	while ! grep -q listening "$out" 2>/dev/null; do
		kill -0 "${pids[-1]}" 2>/dev/null || { echo "the $1 emulator did not start" >&2; cat "$out" >&2; exit 1; }
		sleep 0.2
	done
	origin=$(sed -n 's/^listening on //p' "$out" | head -n1)
}

start_emulator orocrm "$n"
oro=$origin
start_emulator graph 0
graph=$origin
printf 'dd1c18d06773cc377c9df6166c54c6e5fefa50fa' > "$dir/key"
chmod 600 "$dir/key"
cat > "$dir/bench.ini" <<INI
[profile]
name=bench
crm=orocrm
outlook=graph
preset=orocrm
state=state.db
[crm]
url=$oro
user=admin
secret-file=key
${ORO_EXTRA:-}
[outlook]
url=$graph
authority=$graph
client-id=crmsync-bench
[contact]
direction=both
[task]
direction=none
[event]
direction=none
[email]
direction=none
INI

export CRMSYNC_PLUGIN_DIR="$build/plugins" CRMSYNC_SECRETS=file XDG_DATA_HOME="$dir/xdg"
export G_MESSAGES_DEBUG=crmsync

# requests per side and kind, from "METHOD URL (attempt n)" lines
count_requests () {
	python3 - "$1" "$oro" "$graph" <<'PY'
import re, sys, collections
log, oro, graph = sys.argv[1:4]
sides = {"OroCRM": collections.Counter(), "Graph": collections.Counter()}
for line in open(log, errors="replace"):
    m = re.search(r"\b(GET|POST|PATCH|PUT|DELETE) (\S+) \(attempt", line)
    if not m:
        continue
    url = m.group(2)
    side = "OroCRM" if url.startswith(oro) else "Graph" if url.startswith(graph) else None
    if side is None:
        continue
    path = url[len(oro if side == "OroCRM" else graph):].split("?")[0]
    if side == "OroCRM":
        kind = re.sub(r"^/api/(rest/latest/)?", "", path).split("/")[0] or path
    else:
        p = path.replace("/v1.0", "")
        kind = "$batch" if p.endswith("$batch") else "token" if "token" in p or "devicecode" in p \
            else ("contacts/delta" if "delta" in p and "contact" in p else p.strip("/").split("/")[-1])
    sides[side][m.group(1) + " " + kind] += 1
for side, c in sides.items():
    print("    %-7s %5d requests: %s" % (side, sum(c.values()),
          ", ".join("%s %d" % kv for kv in sorted(c.items()))))
PY
}

# seconds spent signing in to Microsoft 365 (a first run has no token: the
# device code flow, whose emulator approves on the second poll, a poll
# interval apart), from the debug lines' times; 0 when the run had a token
signin_seconds () {
	python3 - "$1" <<'PY'
import re, sys
start = end = None
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"DEBUG: (\d+):(\d+):(\d+\.\d+): POST \S+/(devicecode|token) ", line)
    if not m:
        continue
    t = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    if m.group(4) == "devicecode":
        start = t
    elif start is not None:
        end = t
print("%.2f" % (end - start if start is not None and end is not None else 0))
PY
}

# CPU seconds (user + system) a process has used so far
cpu_of () {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

run () { # label [wrapper…]
	local t="$dir/time.out" label=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$t" "$@" "$build/app/crmsync-cli" sync --profile "$dir/bench.ini" \
		--json > "$dir/$label.json" 2> "$dir/$label.log" || {
		echo "$label: crmsync-cli failed" >&2
		tail -n 5 "$dir/$label.log" >&2
		exit 1
	}
	read -r wall user sys rss < "$t"
	printf '%s: wall %.2f s, CPU %.2f s (user %.2f, sys %.2f), peak RSS %d MB\n' "$label" "$wall" \
		"$(echo "$user + $sys" | bc)" "$user" "$sys" $((rss / 1024))
	local signin
	signin=$(signin_seconds "$dir/$label.log")
	[ "$signin" = 0.00 ] || printf '    of which signing in to Microsoft 365 (device code): %s s; the sync itself %.2f s\n' \
		"$signin" "$(echo "$wall - $signin" | bc)"
	count_requests "$dir/$label.log"
}

echo "OroCRM → Graph, $n contacts ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
# shellcheck disable=SC2086 # FIRST_WRAP is a command line
run first-sync ${FIRST_WRAP:-}
echo "    emulators' own CPU so far: OroCRM $(cpu_of "${pids[0]}") s, Graph $(cpu_of "${pids[1]}") s"
echo "    Graph contacts: $(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r.get('created',{}).get('outlook',{}).get('contact',0))" "$dir/first-sync.json") created"
for i in $(seq 1 "$runs"); do
	run "no-change-$i"
done
if [ "${CALLGRIND:-0}" = 1 ]; then
	G_MESSAGES_DEBUG='' valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
		"$build/app/crmsync-cli" sync --profile "$dir/bench.ini" --json > /dev/null 2> "$dir/cg.log"
	echo "callgrind, no-change run at $n: $(sed -n 's/^summary: //p' "$dir/cg.out") instructions"
	# CALLGRIND_OUT=FILE keeps the profile (callgrind_annotate FILE)
	[ -z "${CALLGRIND_OUT:-}" ] || cp "$dir/cg.out" "$CALLGRIND_OUT"
fi
