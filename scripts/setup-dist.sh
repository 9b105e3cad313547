#!/usr/bin/env bash
# Debian packages `make dist` and `make test-dist` need beyond the
# developer set-up (scripts/setup-system.sh): NSIS for the Windows
# installer, zip and jq for the archives and the staged wails.json,
# dpkg-dev for dpkg-shlibdeps, Wine (64-bit) and MinGW to run the Windows
# binary and build the ProcessPrng shim, systemd for systemd-analyze,
# qemu-user to run the arm64 binary, desktop-file-utils for the .desktop file.
# Quiet when everything is there; needs root (or sudo) otherwise.
set -euo pipefail

packages=(nsis zip jq dpkg-dev wine64 gcc-mingw-w64-x86-64 systemd adduser
          qemu-user desktop-file-utils)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing Debian packages for dist: ${missing[*]}"
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
