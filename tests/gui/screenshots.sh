#!/bin/sh
# Refreshes docs/screenshots/*.png (English) and docs/screenshots/de/*.png (German): renders
# each window under Xvfb.
# usage: tests/gui/screenshots.sh [BUILDDIR]   (default: build)
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
ninja -C "$build" tests/gui/cs-screenshots tests/gui/gschemas.compiled >/dev/null
mkdir -p docs/screenshots/de
shots() {
	CRMSYNC_PLUGIN_DIR="$(pwd)/$build/plugins" GSETTINGS_SCHEMA_DIR="$(pwd)/$build/tests/gui" NO_AT_BRIDGE=1 GIO_USE_PROXY_RESOLVER=dummy \
		xvfb-run -a -s "-screen 0 1280x1024x24" "$build/tests/gui/cs-screenshots" "$1"
}
LANGUAGE=en shots docs/screenshots
# a real de_DE locale in a private dir (no system change), the build tree's catalogue
loc=$(mktemp -d)
trap 'rm -rf "$loc"' EXIT
if localedef -i de_DE -f UTF-8 "$loc/de_DE.UTF-8" 2>/dev/null; then
	export LOCPATH="$loc" LANG=de_DE.UTF-8
else
	export LC_ALL=C.UTF-8
fi
LANGUAGE=de CS_SHOTS_LOCALEDIR="$(pwd)/$build/po" shots docs/screenshots/de
