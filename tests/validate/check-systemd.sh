#!/usr/bin/env bash
# The systemd user service that runs `crmsync-cli watch` passes `systemd-analyze verify`
# (as an instance, with ExecStart pointing at this build's crmsync-cli: verify checks that
# the program exists). Skipped (77) where systemd-analyze is missing.
# usage: check-systemd.sh UNIT_FILE CRMSYNC_CLI
set -uo pipefail
unit=$1 cli=$(realpath "$2")
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run" "$tmp/units"
name=$(basename "$unit")
instance="${name%@.service}@sales.service"
sed "s#^ExecStart=[^ ]*crmsync-cli #ExecStart=$cli #" "$unit" >"$tmp/units/$instance"
grep -q "^ExecStart=$cli watch --profile %I" "$tmp/units/$instance" ||
	{ echo "$unit: ExecStart does not run crmsync-cli watch --profile %I"; exit 1; }
# --user needs a runtime dir; the man page is not installed in a build tree
out=$(XDG_RUNTIME_DIR="$tmp/run" systemd-analyze verify --man=no --user "$tmp/units/$instance" 2>&1)
status=$?
if [ $status -ne 0 ] || [ -n "$out" ]; then
	echo "systemd-analyze verify $instance:"; echo "$out"; exit 1
fi
echo "$instance: ok"
