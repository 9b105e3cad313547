#!/usr/bin/env bash
# make test-dist: checks the artifacts that `make dist` put into DIR (default
# dist/), as a user gets them. Every check prints one "ok" line; the first
# failure stops the run with what was expected and what came.
#
#   checksums        SHA256SUMS matches every file
#   every binary     `go version -m`: GOOS/GOARCH, version and commit stamped
#   .deb (3)         dpkg-deb --info/--contents, dpkg -x into a throwaway root;
#                    amd64 binaries run there (arm64 under qemu-user): `version`,
#                    `serve` answers /healthz; desktop Depends ⊇ dpkg-shlibdeps;
#                    .desktop validated; maintainer scripts parse; the systemd
#                    unit passes `systemd-analyze verify`
#   Windows headless under Wine (user "Jörg Müller": space, non-ASCII):
#                    `version`; `serve` on the default data dir under
#                    %LocalAppData%; /healthz; one signed transaction through
#                    the SIGN DE API, exported and verified by the Linux binary;
#                    `backup` of the running instance; a second process on the
#                    same data dir refused naming the first
#   Windows installer under Wine: silent per-user install (files, Start menu,
#                    HKCU uninstall entry), the GUI binary answers `version`,
#                    uninstall keeps the data dir, /DELETEDATA removes it
set -euo pipefail

DIST=${1:-dist}
DIST=$(cd "$DIST" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/usr/local/go/bin:$PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/fiskaldesk-test-dist.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n ${WINEPREFIX:-} ]] && wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

checks=0
ok() { checks=$((checks + 1)); printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*" >&2; exit 1; }
# expect DESCRIPTION NEEDLE HAYSTACK: HAYSTACK contains NEEDLE.
expect() { [[ $3 == *"$2"* ]] || fail "$1: expected '$2' in: $3"; ok "$1"; }

PKG_VERSION=$(cat "$DIST/VERSION")
# What dist was built as (the Makefile passes both; by hand: the work tree's).
VERSION=${VERSION:-$(cd "$ROOT" && git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=${COMMIT:-$(cd "$ROOT" && git rev-parse HEAD)}
printf 'test-dist: %s (version %s, commit %.12s)\n' "$DIST" "$PKG_VERSION" "$COMMIT"

# ---- checksums and stamps -----------------------------------------------------
(cd "$DIST" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
ok "SHA256SUMS matches $(wc -l <"$DIST/SHA256SUMS") files"

# stamped BINARY GOOS GOARCH: the Go build info names the platform, and the
# version and commit strings the Makefile stamped are in the binary (with
# -trimpath the build info does not record -ldflags; the binaries that can
# run here also print them).
stamped() {
  local info
  info=$(go version -m "$1") || fail "$1: no Go build info"
  [[ $info == *"GOOS=$2"$'\n'* && $info == *"GOARCH=$3"$'\n'* ]] || fail "$1: not built for $2/$3: $info"
  grep -qaF "$COMMIT" "$1" && grep -qaF "$VERSION" "$1" || fail "$1: version $VERSION / commit $COMMIT not stamped"
  ok "$(basename "$(dirname "$1")")/$(basename "$1"): $2/$3, $VERSION and commit stamped"
}

for t in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64; do
  name=fiskaldesk_${PKG_VERSION}_$t
  mkdir -p "$work/archives"
  if [[ $t == windows_* ]]; then
    unzip -q "$DIST/$name.zip" -d "$work/archives"
    bin="$work/archives/$name/fiskaldesk.exe"
  else
    tar -C "$work/archives" -xzf "$DIST/$name.tar.gz"
    bin="$work/archives/$name/fiskaldesk"
    [[ -x $bin ]] || fail "$name: binary not executable"
  fi
  stamped "$bin" "${t%_*}" "${t#*_}"
done
LINUX_BIN="$work/archives/fiskaldesk_${PKG_VERSION}_linux_amd64/fiskaldesk"

# ---- .deb packages --------------------------------------------------------------
# runs BINARY [RUNNER]: `version` prints the stamps; `serve` on a fresh data
# dir answers /healthz with the same version.
runs() {
  local bin=$1 runner=${2:-} what=$3 out url
  out=$($runner "$bin" version)
  expect "$what: version" "fiskaldesk $VERSION"$'\n'"commit $COMMIT" "$out"
  local log="$work/serve-$RANDOM.log"
  $runner "$bin" serve --data "$work/data-$RANDOM" --addr 127.0.0.1:0 >"$log" 2>&1 &
  pids+=($!)
  url=$(wait_url "$log")
  expect "$what: serve answers /healthz" "\"version\":\"$VERSION\"" "$(curl -sf "$url/healthz")"
  kill "${pids[-1]}"
  wait "${pids[-1]}" 2>/dev/null || true
}

# wait_url LOG: the URL from serve's "is running at URL" line.
wait_url() {
  local i url
  for i in $(seq 1 480); do
    url=$(grep -ao 'is running at [^ ]*' "$1" | head -1 | cut -d' ' -f4 || true)
    [[ -n $url ]] && { printf '%s' "$url"; return; }
    sleep 0.5
  done
  fail "no 'is running at' line in 240 s: $(cat "$1")"
}

deb_field() { dpkg-deb -f "$1" "$2"; }

for arch in amd64 arm64; do
  deb="$DIST/fiskaldesk-server_${PKG_VERSION}_${arch}.deb"
  info=$(dpkg-deb --info "$deb")
  [[ $(deb_field "$deb" Package) == fiskaldesk-server && $(deb_field "$deb" Version) == "$PKG_VERSION" &&
    $(deb_field "$deb" Architecture) == "$arch" ]] || fail "$deb: control fields: $info"
  [[ $(deb_field "$deb" Conflicts) == fiskaldesk && $(deb_field "$deb" Depends) == *adduser* ]] ||
    fail "$deb: Depends/Conflicts: $info"
  ok "server $arch: control (name, version $PKG_VERSION, arch, Depends adduser, Conflicts fiskaldesk)"
  contents=$(dpkg-deb --contents "$deb")
  for f in ./usr/bin/fiskaldesk ./usr/lib/systemd/system/fiskaldesk.service ./etc/default/fiskaldesk \
    ./usr/share/doc/fiskaldesk-server/README.Debian; do
    [[ $contents == *" $f"* ]] || fail "$deb lacks $f: $contents"
  done
  ok "server $arch: contents (binary, unit, /etc/default, README.Debian)"
  [[ $(dpkg-deb --ctrl-tarfile "$deb" | tar -tf - | tr '\n' ' ') == *conffiles* ]] || fail "$deb: no conffiles"
  dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | grep -qx /etc/default/fiskaldesk || fail "$deb: /etc/default/fiskaldesk is no conffile"
  ok "server $arch: /etc/default/fiskaldesk is a conffile"
  root="$work/root-server-$arch"
  dpkg -x "$deb" "$root"
  dpkg-deb -e "$deb" "$root/DEBIAN"
  for s in postinst prerm postrm; do sh -n "$root/DEBIAN/$s" || fail "$deb: $s does not parse"; done
  ok "server $arch: maintainer scripts parse"
  [[ $(stat -c %a "$root/usr/bin/fiskaldesk") == 755 ]] || fail "$deb: binary mode"
  if [[ $arch == amd64 ]]; then runs "$root/usr/bin/fiskaldesk" "" "server amd64 (dpkg -x)"
  else runs "$root/usr/bin/fiskaldesk" qemu-aarch64 "server arm64 (dpkg -x, qemu-aarch64)"; fi
done

# The unit: lint it as systemd reads it, inside the unpacked root.
root="$work/root-server-amd64"
unit="$root/usr/lib/systemd/system/fiskaldesk.service"
for k in "User=fiskaldesk" "Environment=FISKALDESK_DATA=/var/lib/fiskaldesk" "ExecStart=/usr/bin/fiskaldesk serve" \
  "Restart=on-failure" "StateDirectory=fiskaldesk" "EnvironmentFile=-/etc/default/fiskaldesk"; do
  grep -qx "$k" "$unit" || fail "unit lacks $k"
done
ok "unit: own user, data in /var/lib/fiskaldesk, Restart=on-failure, settings file"
grep -q '^#FISKALDESK_ADDR=' "$root/etc/default/fiskaldesk" && ! grep -q '^FISKALDESK_ADDR=' "$root/etc/default/fiskaldesk" ||
  fail "/etc/default/fiskaldesk must leave the address at the loopback default"
ok "unit: loopback by default (FISKALDESK_ADDR only as a comment)"
# systemd-analyze verify --root wants a system around the unit: the binary at
# its path (the package has it), the user, and systemd's own units (targets,
# mounts) as on a Debian system with systemd installed.
mkdir -p "$root/etc" "$root/tmp"
cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
printf 'root:x:0:0::/root:/bin/sh\nfiskaldesk:x:990:990::/var/lib/fiskaldesk:/usr/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nfiskaldesk:x:990:\n' >"$root/etc/group"
verify_out=$(systemd-analyze verify --root="$root" /usr/lib/systemd/system/fiskaldesk.service 2>&1) ||
  fail "systemd-analyze verify: $verify_out"
[[ -z $verify_out ]] || fail "systemd-analyze verify warned: $verify_out"
ok "unit: systemd-analyze verify --root (systemd $(systemd-analyze --version | head -1 | cut -d' ' -f2)) clean"

deb="$DIST/fiskaldesk_${PKG_VERSION}_amd64.deb"
[[ $(deb_field "$deb" Package) == fiskaldesk && $(deb_field "$deb" Version) == "$PKG_VERSION" ]] || fail "$deb: control"
depends=$(deb_field "$deb" Depends)
expect "desktop: Depends WebKitGTK 4.1" "libwebkit2gtk-4.1-0" "$depends"
root="$work/root-desktop"
dpkg -x "$deb" "$root"
# Every library package the binary needs (dpkg-shlibdeps) is declared.
mkdir -p "$work/shlibs/debian"
printf 'Source: fiskaldesk\n\nPackage: fiskaldesk\nArchitecture: any\n' >"$work/shlibs/debian/control"
needed=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e "$root/usr/bin/fiskaldesk" 2>/dev/null | sed 's/^shlibs:Depends=//')
for p in $(tr ',' '\n' <<<"$needed" | sed 's/(.*//; s/ //g'); do
  [[ ",$(tr -d ' ' <<<"$depends" | sed 's/([^)]*)//g')," == *",$p,"* ]] || fail "desktop: needs $p (dpkg-shlibdeps: $needed), Depends: $depends"
done
ok "desktop: Depends covers dpkg-shlibdeps ($needed)"
desktop-file-validate "$root/usr/share/applications/fiskaldesk.desktop" || fail "desktop file"
[[ -f $root/usr/share/icons/hicolor/512x512/apps/fiskaldesk.png ]] || fail "desktop: no icon"
ok "desktop: .desktop entry valid, icon installed"
# Without a display the desktop binary says so and serves headless.
out=$(env -u DISPLAY -u WAYLAND_DISPLAY "$root/usr/bin/fiskaldesk" version)
expect "desktop (dpkg -x): version" "fiskaldesk $VERSION"$'\n'"commit $COMMIT" "$out"
log="$work/desktop-headless.log"
env -u DISPLAY -u WAYLAND_DISPLAY "$root/usr/bin/fiskaldesk" --data "$work/data-desktop" --addr 127.0.0.1:0 >"$log" 2>&1 &
pids+=($!)
url=$(wait_url "$log")
expect "desktop without a display: falls back to serve" "no display found" "$(cat "$log")"
expect "desktop headless: /healthz" "\"version\":\"$VERSION\"" "$(curl -sf "$url/healthz")"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# ---- Windows under Wine ----------------------------------------------------------
# A prefix of its own, made once, whose user has a space and umlauts in the
# name, so that %LocalAppData% is C:\users\Jörg Müller\AppData\Local.
export WINEPREFIX="$ROOT/.cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
WINE_USER="Jörg Müller"
wine() { USER="$WINE_USER" LOGNAME="$WINE_USER" /usr/lib/wine/wine64 "$@"; }
wineserver() { USER="$WINE_USER" /usr/lib/wine/wineserver "$@"; }
if [[ ! -f $WINEPREFIX/.fiskaldesk-ready ]]; then
  echo "test-dist: creating the Wine prefix (once)"
  rm -rf "$WINEPREFIX"
  wine wineboot --init >/dev/null 2>&1
  wineserver -w
  # Wine links Desktop, Documents, ... to $HOME; the installer's shortcuts
  # must land in the prefix, not in the home directory of whoever tests.
  find "$WINEPREFIX/drive_c/users" -maxdepth 2 -type l -exec sh -c 'rm "$1" && mkdir "$1"' _ {} \;
  # wails.checkArchitecture wants Windows 10 or later; Wine 8 says 7.
  wine winecfg -v win10 >/dev/null 2>&1
  wineserver -w
  touch "$WINEPREFIX/.fiskaldesk-ready"
fi
profile="$WINEPREFIX/drive_c/users/$WINE_USER"
[[ -d $profile ]] || fail "Wine prefix has no profile for '$WINE_USER': $(ls "$WINEPREFIX/drive_c/users")"
# The ProcessPrng shim (scripts/wine/bcryptprimitives.c), built for this run.
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$work/bcryptprimitives.dll" \
  "$ROOT/scripts/wine/bcryptprimitives.c" "$ROOT/scripts/wine/bcryptprimitives.def" -ladvapi32
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
ok "Wine $(/usr/lib/wine/wine64 --version) prefix with user '$WINE_USER', ProcessPrng shim in system32"

WIN_DIR="$work/archives/fiskaldesk_${PKG_VERSION}_windows_amd64"
[[ $(x86_64-w64-mingw32-objdump -p "$WIN_DIR/fiskaldesk.exe" | grep -i '^Subsystem') == *"Windows CUI"* ]] ||
  fail "headless .exe is not a console program"
ok "windows headless .exe: console subsystem"
out=$(cd "$WIN_DIR" && wine fiskaldesk.exe version | tr -d '\r')
expect "windows headless (Wine): version" "fiskaldesk $VERSION"$'\n'"commit $COMMIT" "$out"

datadir="$profile/AppData/Local/fiskaldesk"
rm -rf "$datadir"
key=test_dist_wine secret=dist-wine-secret-0123456789
log="$work/wine-serve.log"
(cd "$WIN_DIR" && FISKALDESK_BOOTSTRAP_API_KEY=$key FISKALDESK_BOOTSTRAP_API_SECRET=$secret \
  wine fiskaldesk.exe serve --addr 127.0.0.1:0 >"$log" 2>&1) &
pids+=($!)
url=$(wait_url "$log")
expect "windows serve: default data dir under %LocalAppData% of 'Jörg Müller'" \
  "(data: C:\\users\\$WINE_USER\\AppData\\Local\\fiskaldesk)" "$(tr -d '\r' <"$log")"
[[ -f $datadir/data.key && -d $datadir/db && -f $datadir/run.json ]] || fail "no store in $datadir: $(ls -la "$datadir")"
ok "windows serve: store, data key and run.json in $datadir"
expect "windows serve: /healthz" "\"status\":\"ok\",\"version\":\"$VERSION\"" "$(curl -sf "$url/healthz")"

# One signed transaction through the SIGN DE API v2, as a POS does it.
api() { # api METHOD PATH [BODY]: JSON answer, fails on a non-200
  local out code
  out=$(curl -s -w '\n%{http_code}' -X "$1" "$url$2" -H "Authorization: Bearer ${token:-}" \
    -H 'Content-Type: application/json' ${3:+-d "$3"})
  code=${out##*$'\n'}
  [[ $code == 200 ]] || fail "$1 $2: HTTP $code: ${out%$'\n'*}"
  printf '%s' "${out%$'\n'*}"
}
token=$(api POST /api/v2/auth "{\"api_key\":\"$key\",\"api_secret\":\"$secret\"}" | jq -r .access_token)
tss=$(cat /proc/sys/kernel/random/uuid) client=$(cat /proc/sys/kernel/random/uuid) tx=$(cat /proc/sys/kernel/random/uuid)
puk=$(api PUT "/api/v2/tss/$tss" '{}' | jq -r .admin_puk)
api PATCH "/api/v2/tss/$tss" '{"state":"UNINITIALIZED"}' >/dev/null
api PATCH "/api/v2/tss/$tss/admin" "{\"admin_puk\":\"$puk\",\"new_admin_pin\":\"123456\"}" >/dev/null
api POST "/api/v2/tss/$tss/admin/auth" '{"admin_pin":"123456"}' >/dev/null
api PATCH "/api/v2/tss/$tss" '{"state":"INITIALIZED"}' >/dev/null
api PUT "/api/v2/tss/$tss/client/$client" '{"serial_number":"Kasse 1"}' >/dev/null
api PUT "/api/v2/tss/$tss/tx/$tx?tx_revision=1" "{\"state\":\"ACTIVE\",\"client_id\":\"$client\"}" >/dev/null
receipt='{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[{"vat_rate":"NORMAL","amount":"11.90"}],"amounts_per_payment_type":[{"payment_type":"CASH","amount":"11.90"}]}}}'
fin=$(api PUT "/api/v2/tss/$tss/tx/$tx?tx_revision=2" "{\"state\":\"FINISHED\",\"client_id\":\"$client\",\"schema\":$receipt}")
[[ $(jq -r .state <<<"$fin") == FINISHED && -n $(jq -r '.signature.value // empty' <<<"$fin") ]] || fail "finish: $fin"
ok "windows serve: TSS initialized, transaction $(jq -r .number <<<"$fin") FINISHED and signed (counter $(jq -r .signature.counter <<<"$fin"))"
# Exported by the Windows server, checked by the Linux binary's verify.
"$LINUX_BIN" export tss --url "$url" --api-key "$key" --api-secret "$secret" --tss "$tss" --out "$work/wine-export.tar" >/dev/null
vout=$("$LINUX_BIN" verify "$work/wine-export.tar") || fail "verify of the Windows export: $vout"
ok "windows serve: TSS export verified independently ($(tar -tf "$work/wine-export.tar" | grep -c '\.log$') logs)"

# The running instance is found through run.json and the data-dir lock.
bak="C:\\users\\$WINE_USER\\fiskaldesk backup.fdb"
(cd "$WIN_DIR" && wine fiskaldesk.exe backup --out "$bak" >/dev/null 2>&1) || fail "backup of the running instance failed"
[[ -s "$profile/fiskaldesk backup.fdb" ]] || fail "no backup file"
ok "windows: backup of the running instance through run.json ($(stat -c %s "$profile/fiskaldesk backup.fdb") bytes)"
set +e
second=$(cd "$WIN_DIR" && wine fiskaldesk.exe serve --addr 127.0.0.1:0 2>&1 | tr -d '\r')
rc=$?
set -e
[[ $rc -ne 0 ]] || fail "a second process on the same data dir started"
pid=$(jq -r .pid "$datadir/run.json")
expect "windows: a second process on the held data dir is refused, naming the first" \
  "is in use by another fiskaldesk process (pid $pid, serving $url)" "$second"
wineserver -k
wait "${pids[-1]}" 2>/dev/null || true

# ---- Windows installer under Wine ------------------------------------------------
setup="$DIST/fiskaldesk_${PKG_VERSION}_windows_amd64_setup.exe"
# The installer runs Microsoft's WebView2 bootstrapper (a download) unless the
# runtime is registered; the test registers it as present for this user.
wine reg add 'HKCU\Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}' \
  /v pv /t REG_SZ /d 120.0.0.0 /f >/dev/null 2>&1
install_app() {
  wine "$setup" /S >/dev/null 2>&1
  wineserver -w
}
uninstall_app() { # the NSIS uninstaller copies itself to %TEMP% and runs from there
  wine "$1" /S "${@:2}" >/dev/null 2>&1
  wineserver -w
}
inst="$profile/AppData/Local/Programs/fiskaldesk"
startmenu="$profile/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/fiskaldesk.lnk"
install_app
[[ -f $inst/fiskaldesk.exe && -f $inst/uninstall.exe ]] || fail "installer: $(ls -la "$inst" 2>&1)"
[[ -f $startmenu ]] || fail "installer: no Start-menu entry: $(find "$profile" -name '*.lnk')"
[[ -f $profile/Desktop/fiskaldesk.lnk ]] || fail "installer: no desktop shortcut (selected by default)"
regq=$(wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\fiskaldesk' 2>&1 | tr -d '\r')
expect "installer: per-user install in %LocalAppData%\\Programs, Start menu, HKCU uninstall entry" \
  "uninstall.exe" "$regq"
[[ $(x86_64-w64-mingw32-objdump -p "$inst/fiskaldesk.exe" | grep -i '^Subsystem') == *"Windows GUI"* ]] ||
  fail "desktop .exe is not a GUI program (a console would flash)"
ok "installed desktop .exe: GUI subsystem (no console window)"
stamped "$inst/fiskaldesk.exe" windows amd64
out=$(wine "$inst/fiskaldesk.exe" version | tr -d '\r')
expect "installed desktop .exe (Wine): version printed on the caller's output" "fiskaldesk $VERSION" "$out"
uninstall_app "$inst/uninstall.exe"
[[ ! -e $inst/fiskaldesk.exe && ! -e $startmenu && ! -e $profile/Desktop/fiskaldesk.lnk ]] ||
  fail "uninstall left $(ls "$inst" 2>&1) / shortcuts"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\fiskaldesk' >/dev/null 2>&1 && fail "uninstall left the HKCU entry"
[[ -f $datadir/data.key && -d $datadir/db ]] || fail "uninstall removed the data dir"
ok "uninstaller: app, Start menu and uninstall entry gone, data in %LocalAppData%\\fiskaldesk kept"
install_app
uninstall_app "$inst/uninstall.exe" /DELETEDATA
[[ ! -e $datadir ]] || fail "uninstall /DELETEDATA kept $datadir"
ok "uninstaller /DELETEDATA: data dir removed on request"

printf 'test-dist: %d passed, 0 failed\n' "$checks"
