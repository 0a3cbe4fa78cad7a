#!/bin/sh
# Benchmark: first sync of N Graph contacts into a folder, then the no-change
# rerun; prints seconds and Graph requests of each. Usage: bench-graph.sh [N]
# (needs CRMSYNC_EMULATOR, CRMSYNC_CLI, CRMSYNC_PLUGIN_DIR, as meson sets them)
set -eu
N=${1:-10000}
DIR=$(mktemp -d)
trap 'kill "$EMU_PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$CRMSYNC_EMULATOR" --api graph --port 0 --generate "$N" > "$DIR/emu.out" &
EMU_PID=$!
while ! grep -q listening "$DIR/emu.out" 2>/dev/null; do
	kill -0 "$EMU_PID" 2>/dev/null || { echo "the emulator did not start" >&2; exit 1; }
	sleep 0.1
done
ORIGIN=$(sed -n 's/^listening on //p' "$DIR/emu.out")
cat > "$DIR/bench.ini" <<INI
[profile]
name=bench
crm=folder
outlook=graph
state=state.db
[crm]
path=crm
[outlook]
url=$ORIGIN
authority=$ORIGIN
client-id=crmsync-bench
[contact]
direction=both
[event]
direction=none
[task]
direction=none
[email]
direction=none
INI
run () {
	curl -s -X POST "$ORIGIN/_emulator/reset-stats" > /dev/null
	START=$(date +%s%N)
	XDG_DATA_HOME="$DIR/xdg" CRMSYNC_SECRETS=file "$CRMSYNC_CLI" sync --profile "$DIR/bench.ini" \
		--json > "$DIR/$1.json" 2> "$DIR/$1.err"
	END=$(date +%s%N)
	REQ=$(curl -s "$ORIGIN/_emulator/stats" | sed 's/.*"requests":\([0-9]*\).*/\1/')
	MS=$(( (END - START) / 1000000 ))
	echo "$1: $((MS / 1000)).$(printf %03d $((MS % 1000))) s, $REQ Graph requests, $(ls "$DIR/crm/contact" | wc -l) contact files"
}
run first-sync
run no-change
