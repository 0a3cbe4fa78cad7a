#!/usr/bin/env bash
# meson itself reads flatpak/msi/mingw-w64-x86_64.ini (a project with no language needs no
# compiler): the host is 64-bit Windows, and the binaries are mingw-w64's. When the
# mingw-w64 compiler is installed, a C program is cross-compiled with it too.
# usage: check-cross-file.sh SRCDIR
set -euo pipefail
cross="$1/flatpak/msi/mingw-w64-x86_64.ini"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/p"
cat > "$tmp/p/meson.build" <<'MESON'
project('cross-check', meson_version: '>= 0.63')
assert(meson.is_cross_build(), 'not a cross build')
assert(host_machine.system() == 'windows', 'host is ' + host_machine.system())
assert(host_machine.cpu_family() == 'x86_64', 'cpu is ' + host_machine.cpu_family())
assert(host_machine.endian() == 'little')
if find_program('x86_64-w64-mingw32-gcc', required: false).found()
  add_languages('c', native: false)
  exe = executable('hello', 'hello.c')
  message('cross C compiler: ' + meson.get_compiler('c').get_id())
endif
MESON
printf '#include <windows.h>\nint main (void) { return GetCurrentProcessId () == 0; }\n' > "$tmp/p/hello.c"
meson setup "$tmp/b" "$tmp/p" --cross-file "$cross" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
for tool in c ar strip windres pkg-config; do
	grep -q "^$tool = 'x86_64-w64-mingw32-" "$cross" || { echo "$cross: $tool is not mingw-w64's"; exit 1; }
done
if [ -f "$tmp/b/build.ninja" ] && grep -q 'hello' "$tmp/b/build.ninja"; then
	ninja -C "$tmp/b" > /dev/null && file "$tmp/b/hello.exe"
else
	echo "mingw-w64 not installed: cross file parsed by meson, no program compiled"
fi
echo "$cross: ok"
