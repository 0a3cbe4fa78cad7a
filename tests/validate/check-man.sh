#!/usr/bin/env bash
# The man page formats without a groff warning, and documents every command and option
# crmsync-cli's --help shows (without CRMSYNC_CLI: only the formatting, for the app's page).
# usage: check-man.sh MANPAGE [CRMSYNC_CLI]
set -uo pipefail
man=$1 cli=${2:-}
status=0
warnings=$(groff -man -ww -z -Tutf8 "$man" 2>&1)
if [ -n "$warnings" ]; then
	echo "groff warnings in $man:"; echo "$warnings"; status=1
fi
text=$(groff -man -Tutf8 -P-cbou "$man" 2>/dev/null)
[ -n "$text" ] || { echo "$man formats to nothing"; status=1; }
if [ -z "$cli" ]; then
	[ "$status" -eq 0 ] && echo "$man: ok"
	exit $status
fi
for cmd in $("$cli" --help | sed -n 's/^  crmsync-cli \([a-z-]*\) .*/\1/p'); do
	grep -q "crmsync-cli $cmd" <<<"$text" || { echo "$man lacks the command $cmd"; status=1; }
	for opt in $("$cli" "$cmd" --help | grep -o '^ *\(-[a-zA-Z], \)\?--[a-z-]*' | grep -o -- '--[a-z-]*' | grep -v '^--help'); do
		grep -q -- "$opt" <<<"$text" || { echo "$man lacks $cmd's option $opt"; status=1; }
	done
done
[ "$status" -eq 0 ] && echo "$man: ok"
exit $status
