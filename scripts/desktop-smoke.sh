#!/usr/bin/env bash
# Desktop smoke test: creates the first user on a fresh data dir (with the
# setup token serve prints), starts the Wails build in a virtual X display,
# waits until the SPA inside the window has called /healthz through the
# Wails asset server (logged with host "wails"), logs in by typing into the
# window, waits for the overview's data, takes screenshots and stops the
# app with SIGTERM. Fails if any of that does not happen.
set -euo pipefail

bin=${1:?usage: desktop-smoke.sh DESKTOP_BINARY [OUT_DIR]}
out=${2:-test-output/desktop}
mkdir -p "$out"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

# The first start, done headless over the API, so the window opens at login.
"$bin" serve --data "$data" --addr 127.0.0.1:0 >"$out/setup.log" 2>&1 &
spid=$!
url=""
for _ in $(seq 1 50); do
  url=$(grep -o 'running at http://[0-9.:]*' "$out/setup.log" | cut -d' ' -f3 || true)
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || { echo "desktop smoke: headless set-up did not start" >&2; cat "$out/setup.log" >&2; exit 1; }
# serve prints the one-time setup link before its URL.
token=$(grep -o 'setup?token=[A-Za-z0-9]*' "$out/setup.log" | cut -d= -f2 || true)
[ -n "$token" ] || { echo "desktop smoke: serve printed no setup token" >&2; cat "$out/setup.log" >&2; exit 1; }
curl -fsS -o /dev/null -H 'Content-Type: application/json' -H "X-Setup-Token: $token" "$url/api/dashboard/setup" -d '{"email":"smoke@fiskaldesk.example","password":"smoke-password-1","first_name":"Smoke","organization":{"name":"Smoke Test GmbH","address_line1":"Teststr. 1","zip":"10115","town":"Berlin","country_code":"DEU"}}'
kill -TERM "$spid"; wait "$spid" || true

inner=$(cat <<'INNER'
set -euo pipefail
bin=$1; data=$2; out=$3
# No GPU under Xvfb: keep WebKit on the software path.
export WEBKIT_DISABLE_DMABUF_RENDERER=1
"$bin" --data "$data" --addr 127.0.0.1:0 >"$out/stdout.log" 2>"$out/stderr.log" &
pid=$!
log="$data/logs/fiskaldesk.log"
ok=""
for _ in $(seq 1 60); do
  if grep -q '"host":"wails","path":"/healthz","status":200' "$log" 2>/dev/null; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
sleep 2 # let the page paint the health badge
import -window root "$out/login.png" || true
loggedin=""
if [ -n "$ok" ]; then
  # Without a window manager X focus follows the pointer: click into the
  # e-mail field (the login card's first field at 1280×800, below the
  # menu bar), then type.
  xdotool mousemove 640 239 click 1
  sleep 0.5
  xdotool type --delay 20 'smoke@fiskaldesk.example'
  xdotool key Tab
  xdotool type --delay 20 'smoke-password-1'
  xdotool key Return
  for _ in $(seq 1 30); do
    if grep -q '"host":"wails","path":"/api/dashboard/rollup","status":200' "$log" 2>/dev/null; then loggedin=1; break; fi
    sleep 1
  done
  sleep 2 # let the overview paint
fi
import -window root "$out/overview.png" || true
menu=""
if [ -n "$loggedin" ]; then
  # File › Export… (the menu's first entry) opens the exports page, which
  # lists the TSS to export.
  xdotool mousemove 19 12 click 1
  sleep 1
  xdotool key Down Return
  for _ in $(seq 1 15); do
    if grep -q '"host":"wails","path":"/api/v2/tss","status":200' "$log" 2>/dev/null; then menu=1; break; fi
    sleep 1
  done
  sleep 1
  import -window root "$out/exports.png" || true
fi
saved=""
if [ -n "$menu" ]; then
  # Download report (the PDF of this month, no receipts yet): the page
  # calls the SaveDownload binding, Go opens the native save dialog
  # (titled with the file name) and writes the handler's answer into the
  # file chosen there.
  xdotool mousemove 1142 494 click 1
  dlg=""
  for _ in $(seq 1 20); do
    # The file name follows the UI language (report.ts).
    dlg=$(xdotool search --name '^(transactions|transaktionen)-' 2>/dev/null | head -1 || true)
    [ -n "$dlg" ] && break
    sleep 1
  done
  if [ -n "$dlg" ]; then
    sleep 1
    import -window root "$out/save-dialog.png" || true
    # Focus follows the pointer: move it into the dialog, then replace the
    # proposed name with a full path.
    eval "$(xdotool getwindowgeometry --shell "$dlg")"
    xdotool mousemove $((X + WIDTH / 2)) $((Y + 20))
    sleep 0.5
    xdotool key ctrl+a
    xdotool type --delay 20 "$data/saved-report.pdf"
    xdotool key Return
    for _ in $(seq 1 20); do
      if grep -q '"message":"download saved from the desktop app"' "$log" 2>/dev/null && [ "$(head -c 4 "$data/saved-report.pdf" 2>/dev/null)" = "%PDF" ]; then saved=1; break; fi
      sleep 1
    done
  fi
  import -window root "$out/after-save.png" || true
fi
# SIGTERM must end the app even with a native dialog still open (the
# steps above can fail half-way); a process that outlives 20 s is a hang.
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
hung=""
if kill -0 "$pid" 2>/dev/null; then hung=1; kill -KILL "$pid" 2>/dev/null || true; fi
code=0; wait "$pid" || code=$?
cp "$log" "$out/fiskaldesk.log" 2>/dev/null || true
if [ -z "$ok" ]; then
  echo "desktop smoke: the window's SPA never called /healthz; see $out" >&2
  cat "$out/stderr.log" >&2
  exit 1
fi
if [ -z "$loggedin" ]; then
  echo "desktop smoke: logging in through the window did not reach the overview; see $out/login.png, $out/overview.png" >&2
  exit 1
fi
if [ -z "$menu" ]; then
  echo "desktop smoke: File › Export did not open the exports page; see $out/exports.png" >&2
  exit 1
fi
if [ -z "$saved" ]; then
  echo "desktop smoke: Download report did not save a PDF through the native save dialog; see $out/save-dialog.png, $out/after-save.png" >&2
  exit 1
fi
if [ -n "$hung" ]; then
  echo "desktop smoke: still running 20 s after SIGTERM (killed)" >&2
  exit 1
fi
if [ "$code" -ne 0 ]; then
  echo "desktop smoke: exit status $code after SIGTERM" >&2
  exit 1
fi
INNER
)
xvfb-run -a -s "-screen 0 1280x800x24" bash -c "$inner" _ "$(realpath "$bin")" "$data" "$out"

# A blank or single-colour screenshot means the window showed nothing.
colours=$(identify -format '%k' "$out/overview.png")
if [ "$colours" -lt 50 ]; then
  echo "desktop smoke: screenshot has only $colours colours; the window looks empty ($out/overview.png)" >&2
  exit 1
fi
grep -q 'window open; API for POS systems at http://127.0.0.1:' "$out/stdout.log" || {
  echo "desktop smoke: the app did not print its API URL" >&2; exit 1; }
echo "desktop smoke: ok — logged in through the window, overview shown ($colours colours), File › Export opened the exports page, a report saved through the native save dialog by Go; screenshots in $out"
