#!/usr/bin/env bash
# Builds the MSI from flatpak/msi/crmsync.wxs with wixl over stand-in files named as the wxs
# names them (a mingw-w64 build cannot run here), then reads the MSI back: every file of the
# wxs is in its File table, the runtime fragment was merged, the Start menu shortcut exists.
# usage: check-msi.sh SRCDIR
set -euo pipefail
src=$1
wxs="$src/flatpak/msi/crmsync.wxs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t files < <(grep -o '\$(var.SourceDir)/[^"]*' "$wxs" | sed 's|^\$(var.SourceDir)/||')
[ "${#files[@]}" -gt 5 ] || { echo "no files found in $wxs"; exit 1; }
for f in "${files[@]}"; do
	mkdir -p "$tmp/stage/$(dirname "$f")"
	echo "stand-in for $f" > "$tmp/stage/$f"
done
mkdir -p "$tmp/runtime/bin" "$tmp/runtime/lib/gdk-pixbuf-2.0/2.10.0/loaders"
echo dll > "$tmp/runtime/bin/libgtk-3-0.dll"
echo dll > "$tmp/runtime/lib/gdk-pixbuf-2.0/2.10.0/loaders/libpixbufloader-svg.dll"
"$src/flatpak/msi/build-msi.sh" "$tmp/stage" "$tmp/runtime" "$tmp/crmsync.msi" 0.1.0 2>"$tmp/wixl.err" ||
	{ cat "$tmp/wixl.err"; exit 1; }
if grep -q 'WARNING\|CRITICAL' "$tmp/wixl.err"; then cat "$tmp/wixl.err"; exit 1; fi
msiinfo export "$tmp/crmsync.msi" File > "$tmp/file.idt"
status=0
for f in "${files[@]}" bin/libgtk-3-0.dll lib/gdk-pixbuf-2.0/2.10.0/loaders/libpixbufloader-svg.dll; do
	case "$f" in *.ico) continue ;; esac
	grep -q "	$(basename "$f")	" "$tmp/file.idt" || { echo "the MSI lacks $f"; status=1; }
done
msiinfo export "$tmp/crmsync.msi" Shortcut > "$tmp/shortcut.idt"
msiinfo export "$tmp/crmsync.msi" Property > "$tmp/property.idt"
grep -q '^StartMenuShortcut	ProgramMenuFolder	crmsync	' "$tmp/shortcut.idt" ||
	{ echo "no Start menu shortcut"; status=1; }
grep -qi '^UpgradeCode	{fd7682ed-2b6c-4ebc-bfb2-020d6d511b3e}' "$tmp/property.idt" ||
	{ echo "the UpgradeCode changed (upgrades would install side by side)"; status=1; }
[ "$status" -eq 0 ] && echo "crmsync.msi: $(grep -c '	' "$tmp/file.idt") File rows, shortcut, upgrade code: ok"
exit $status
