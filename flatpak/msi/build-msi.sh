#!/usr/bin/env bash
# Builds crmsync-VERSION-x64.msi with wixl (msitools) from
#   STAGE:   DESTDIR of `meson install` of a mingw-w64 build configured with --prefix=/
#            (see mingw-w64-x86_64.ini), plus share/crmsync/crmsync.ico
#   RUNTIME: a folder laid out like the prefix (bin/, lib/, share/) with the GTK 3 runtime's
#            DLLs, loaders, schemas and icons, e.g. copied from MSYS2's mingw64 by ldd
# usage: build-msi.sh STAGE RUNTIME OUT.msi [VERSION]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stage=$(cd "$1" && pwd)
runtime=$(cd "$2" && pwd)
out=$(realpath -m "$3")
version=${4:-0.1.0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# wixl resolves sources relative to the folder it runs in: link both trees there
ln -s "$stage" "$work/stage"
ln -s "$runtime" "$work/runtime"
cp "$here/crmsync.wxs" "$work/"
# every runtime file as a component under INSTALLDIR, in the GtkRuntime group
(cd "$work" && find -L runtime -type f | sort |
	wixl-heat --prefix runtime/ --var var.RuntimeDir --directory-ref INSTALLDIR \
		--component-group GtkRuntime --win64 > runtime.wxs)
(cd "$work" && wixl --arch x64 -D Win64=yes -D SourceDir=stage -D RuntimeDir=runtime \
	-D Version="$version" -o out.msi crmsync.wxs runtime.wxs)
mv "$work/out.msi" "$out"
