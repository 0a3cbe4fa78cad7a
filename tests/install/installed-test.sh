#!/usr/bin/env bash
# Installed-tests style check: configure this tree into a fresh build dir with its own prefix,
# build what `meson install` installs, install, then run the *installed* crmsync-cli with a
# clean environment (no CRMSYNC_PLUGIN_DIR, no LD_LIBRARY_PATH) and check that it finds its
# plugins, the pst reader helper, the engine's resources (presets, mappings, schemas), its
# translations, and that the desktop files, GSettings schema, icons and man page are installed.
# With the cs-snapshot GTK module (tests/i18n) and a display, the installed app is started too,
# in German: its window from its GResource templates, with the installed catalogue.
# usage: installed-test.sh SRCDIR WORKDIR [SNAPSHOT_MODULE]
set -euo pipefail
src=$1 work=$2 snapshot=${3:-}
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix" build="$work/build"
log="$work/log"
status=0
check() { # check "what" command…
	local what=$1; shift
	if "$@" >>"$log" 2>&1; then echo "ok   $what"; else echo "FAIL $what"; status=1; fi
}

echo "== meson setup --prefix=$prefix"
meson setup "$build" "$src" --prefix="$prefix" -Dwerror=true >"$log" 2>&1 || { cat "$log"; exit 1; }
# only what is installed: the tests' own programs are not needed here
mapfile -t targets < <(meson introspect --targets "$build" | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t.get("installed"):
        for f in t["filename"]:
            print(os.path.relpath(f, sys.argv[1]))' "$build")
echo "== building ${#targets[@]} installed targets"
ninja -C "$build" -j2 "${targets[@]}" >>"$log" 2>&1 || { tail -40 "$log"; exit 1; }
meson install -C "$build" --no-rebuild --quiet >>"$log" 2>&1 || { tail -40 "$log"; exit 1; }

cli="$prefix/bin/crmsync-cli"
# a clean environment: nothing points the programs at the build tree
run=(env -i HOME="$work" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 XDG_DATA_HOME="$work/xdg" CRMSYNC_SECRETS=file)
gui=$(meson introspect --buildoptions "$build" | python3 -c '
import json, sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == "gui"][0])')
has_app=no
[ -x "$prefix/bin/crmsync" ] && has_app=yes
echo "== installed: $(cd "$prefix" && find . -type f | wc -l) files; app: $has_app (gui=$gui)"

check "crmsync-cli runs from the prefix" "${run[@]}" "$cli" --version
plugins=$("${run[@]}" "$cli" plugins --json)
echo "$plugins" >>"$log"
check "plugins load from the installed plugin dir" python3 - "$prefix" "$plugins" <<'PY'
import json, sys
prefix, out = sys.argv[1], json.loads(sys.argv[2])
assert out["dir"].startswith(prefix + "/"), out["dir"]
names = {p["name"] for p in out["plugins"]}
assert {"folder", "orocrm", "webcrm", "graph"} <= names, names
assert not out["failures"], out["failures"]
print("plugins:", sorted(names))
PY

# a sync that needs the compiled-in resources: the orocrm preset and mapping, the orocrm and
# outlook field schemas (folder sides that speak them)
mkdir -p "$work/sync/crm/contact" "$work/sync/outlook"
printf '{"firstName": "Jürgen", "lastName": "Weiß", "emails": ["jw@example.org"], "owner": "1"}\n' \
	>"$work/sync/crm/contact/1.json"
cat >"$work/sync/p.ini" <<INI
[profile]
name=installed
crm=folder
outlook=folder
preset=orocrm
state=state.db
[crm]
path=crm
schema=orocrm
[outlook]
path=outlook
schema=outlook
[contact]
condition=all
INI
check "a sync with the orocrm preset, mapping and schemas (resources)" \
	bash -c '"$@" | tee /dev/stderr | grep -q "\"contact\" *: *1"' _ "${run[@]}" "$cli" sync --profile "$work/sync/p.ini" --json
check "the synced contact is on the Outlook side" bash -c 'ls "$1"/contact/*.json' _ "$work/sync/outlook"

if [ -x "$prefix/libexec/crmsync/crmsync-pst-reader" ]; then
	printf 'not a pst' >"$work/fake.pst"
	check "pst-list reaches the installed pst reader" \
		bash -c '"$@" 2>&1 | grep -q "no PST/OST signature"' _ "${run[@]}" "$cli" pst-list "$work/fake.pst"
fi

check "the man page is installed" test -f "$prefix/share/man/man1/crmsync-cli.1"
check "the app's man page is installed" test -f "$prefix/share/man/man1/crmsync.1"
for lang in da de; do
	check "the $lang catalogue is installed" test -f "$prefix/share/locale/$lang/LC_MESSAGES/crmsync.mo"
done
for lang in C de; do
	check "the $lang user guide is installed (F1)" test -f "$prefix/share/help/$lang/crmsync/index.page"
done
check "crmsync-cli speaks German (LANGUAGE=de)" \
	bash -c '"$@" | grep -q "^Aufruf:"' _ "${run[@]}" LANGUAGE=de "$cli" --help
check "crmsync-cli speaks Danish (LANGUAGE=da)" \
	bash -c '"$@" | grep -q "^Brug:"' _ "${run[@]}" LANGUAGE=da "$cli" --help
check "the systemd user unit runs the installed crmsync-cli watch" grep -qx \
	"ExecStart=$prefix/bin/crmsync-cli watch --profile %I" "$prefix/lib/systemd/user/crmsync-watch@.service"
# a dry run's counts are whole sentences in the reader's language, not English kind names
printf '{"firstName": "Ida", "lastName": "Holm", "emails": ["ih@example.org"], "owner": "1"}\n' \
	>"$work/sync/crm/contact/2.json"
check "a German dry run says what it would do, in German only" \
	bash -c '"$@" | tee /dev/stderr | grep -q "würde 1 Kontakt anlegen" && ! "$@" | grep -q "contact"' \
	_ "${run[@]}" LANGUAGE=de "$cli" sync --profile "$work/sync/p.ini" --dry-run
check "a Danish dry run says what it would do, in Danish only" \
	bash -c '"$@" | tee /dev/stderr | grep -q "ville oprette 1 kontakt" && ! "$@" | grep -q "would"' \
	_ "${run[@]}" LANGUAGE=da "$cli" sync --profile "$work/sync/p.ini" --dry-run

if [ "$has_app" = yes ]; then
	share="$prefix/share"
	check "desktop file installed and valid" desktop-file-validate "$share/applications/org.crmsync.Crmsync.desktop"
	check "metainfo installed and valid" appstreamcli validate --no-net "$share/metainfo/org.crmsync.Crmsync.metainfo.xml"
	check "D-Bus service points at the installed app" grep -qx "Exec=$prefix/bin/crmsync --gapplication-service" \
		"$share/dbus-1/services/org.crmsync.Crmsync.service"
	check "icons installed" test -f "$share/icons/hicolor/scalable/apps/org.crmsync.Crmsync.svg" -a \
		-f "$share/icons/hicolor/symbolic/apps/org.crmsync.Crmsync-symbolic.svg"
	check "GSettings schema compiled on install" test -f "$share/glib-2.0/schemas/gschemas.compiled"
	check "GSettings finds the app's keys" bash -c \
		'[ "$(GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$1" gsettings get org.crmsync.Crmsync show-alerts)" = true ]' _ \
		"$share/glib-2.0/schemas"
	if [ -n "$snapshot" ] && [ -n "${DISPLAY:-}" ]; then
		mkdir -p "$work/app/config/crmsync/profiles" "$work/app/shots"
		printf '[profile]\nname=Installed\ncrm=folder\noutlook=folder\nenabled=false\nsync-on-start=false\n[crm]\npath=%s\n[outlook]\npath=%s\n' \
			"$work/sync/crm" "$work/sync/outlook" >"$work/app/config/crmsync/profiles/p.ini"
		check "the installed app shows its window in German (resources, catalogue)" bash -c \
			'"${@:2}" && grep -q "Jetzt abgleichen" "$1/texts.txt" && test -s "$1/window-0.png"' _ "$work/app/shots" \
			env -i HOME="$work" PATH=/usr/bin:/bin DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" \
			LC_ALL=C.UTF-8 LANGUAGE=de NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory CRMSYNC_SECRETS=file \
			XDG_DATA_DIRS="$share:/usr/share" XDG_CONFIG_HOME="$work/app/config" XDG_DATA_HOME="$work/app/data" \
			GTK3_MODULES="$snapshot" CS_SNAPSHOT_DIR="$work/app/shots" \
			dbus-run-session -- "$prefix/bin/crmsync"
	fi
fi
[ "$status" -eq 0 ] || { echo "--- log"; tail -60 "$log"; }
exit $status
