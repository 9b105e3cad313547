#!/usr/bin/env bash
# Installs the Debian packages fiskaldesk needs to build and test, if any is
# missing. Quiet and fast when everything is there. Needs root (or sudo)
# only when something has to be installed.
set -euo pipefail

packages=(
  gcc libc6-dev pkg-config       # cgo for the desktop build
  libgtk-3-dev libwebkit2gtk-4.1-dev  # Wails v2 on Linux (tag webkit2_41)
  xvfb xauth imagemagick         # desktop smoke test: virtual display, screenshot
  xdotool curl                   # desktop smoke test: log in through the window
  chromium                       # Playwright end-to-end tests (no browser download)
  poppler-utils openssl          # report PDFs rendered to PNG; signatures checked by openssl
  nodejs npm                     # frontend build
  postgresql                     # the PostgreSQL store's tests (scripts/pg-test-cluster.sh; no service used)
)

missing=()
for p in "${packages[@]}"; do
  # A package counts as present when dpkg has it installed, or, for the
  # toolchains, when the command is already on PATH (e.g. a newer Node
  # that did not come from Debian).
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
    gcc) command -v gcc >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: not root and no sudo; install these packages first: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
