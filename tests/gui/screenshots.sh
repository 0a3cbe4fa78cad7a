#!/bin/sh
# Refreshes docs/screenshots/*.png: renders each window under Xvfb.
# usage: tests/gui/screenshots.sh [BUILDDIR]   (default: build)
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
ninja -C "$build" tests/gui/cs-screenshots tests/gui/gschemas.compiled >/dev/null
mkdir -p docs/screenshots
CRMSYNC_PLUGIN_DIR="$(pwd)/$build/plugins" GSETTINGS_SCHEMA_DIR="$(pwd)/$build/tests/gui" NO_AT_BRIDGE=1 GIO_USE_PROXY_RESOLVER=dummy \
	xvfb-run -a -s "-screen 0 1280x1024x24" "$build/tests/gui/cs-screenshots" docs/screenshots
