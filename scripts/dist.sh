#!/usr/bin/env bash
# Builds every release artifact into dist/ with SHA256SUMS (make dist; see
# docs/release.md). Run from the repository root after `make setup-dist`;
# the Makefile passes VERSION, COMMIT, WAILS and NFPM and has built the
# frontend into frontend/dist.
#
#   fiskaldesk_<v>_linux_{amd64,arm64}.tar.gz, _darwin_{amd64,arm64}.tar.gz,
#   _windows_{amd64,arm64}.zip           headless binaries (CGO off)
#   fiskaldesk-server_<v>_{amd64,arm64}.deb   headless + systemd unit
#   fiskaldesk_<v>_amd64.deb             desktop app (Wails, WebKitGTK 4.1)
#   fiskaldesk_<v>_windows_amd64_setup.exe    desktop app, NSIS installer
set -euo pipefail

: "${VERSION:?}" "${COMMIT:?}" "${WAILS:?}" "${NFPM:?}"
DIST=${DIST:-dist}
export DEB_MAINTAINER=${DEB_MAINTAINER:-fiskaldesk project}

# Package versions. A release is a tag vX.Y.Z: binaries say v1.2.3, packages
# 1.2.3. Between tags `git describe` gives v1.2.3-4-gabcdef0, packaged as
# 1.2.3+4.gabcdef0 (sorts after 1.2.3, before 1.2.4); without any tag the
# commit alone: 0.0.0+git.abcdef0. A dirty tree adds .dirty. Windows'
# version resources take numbers only (X.Y.Z).
v=${VERSION#v}
dirty=""
if [[ $v == *-dirty ]]; then dirty=.dirty; v=${v%-dirty}; fi
if [[ $v =~ ^([0-9]+\.[0-9]+\.[0-9]+)(-([0-9]+)-(g[0-9a-f]+))?$ ]]; then
  NUM_VERSION=${BASH_REMATCH[1]}
  PKG_VERSION=$NUM_VERSION
  [[ -n ${BASH_REMATCH[3]} ]] && PKG_VERSION+="+${BASH_REMATCH[3]}.${BASH_REMATCH[4]}"
  [[ -n $dirty ]] && { [[ $PKG_VERSION == *+* ]] && PKG_VERSION+=$dirty || PKG_VERSION+="+dirty"; }
else
  NUM_VERSION=0.0.0
  PKG_VERSION="0.0.0+git.${COMMIT:0:7}$dirty"
fi
export PKG_VERSION

LDFLAGS="-s -w -X github.com/fiskaldesk/fiskaldesk/backend/buildinfo.Version=$VERSION -X github.com/fiskaldesk/fiskaldesk/backend/buildinfo.Commit=$COMMIT"
stage=$(mktemp -d "${TMPDIR:-/tmp}/fiskaldesk-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
rm -rf "$DIST"
mkdir -p "$DIST"
out=$(cd "$DIST" && pwd)
step() { printf 'dist: %s\n' "$*"; }

# Headless binaries: every OS/arch pair, archived with the README.
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
  os=${target%/*} arch=${target#*/}
  exe=fiskaldesk; [[ $os == windows ]] && exe=fiskaldesk.exe
  name="fiskaldesk_${PKG_VERSION}_${os}_${arch}"
  step "$name (headless)"
  mkdir -p "$stage/$name"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$LDFLAGS" -o "$stage/$name/$exe" .
  cp README.md "$stage/$name/"
  if [[ $os == windows ]]; then
    (cd "$stage" && zip -qr -X "$out/$name.zip" "$name")
  else
    tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$DIST/$name.tar.gz" "$name"
  fi
  if [[ $os == linux ]]; then
    step "fiskaldesk-server_${PKG_VERSION}_${arch}.deb"
    BIN="$stage/$name/$exe" DEB_ARCH=$arch "$NFPM" package --config build/linux/nfpm-server.yaml \
      --packager deb --target "$DIST/" >/dev/null
  fi
done

# The desktop apps are built by Wails in a staged copy of the project, so
# that its wails.json can carry the version (Windows resources, installer)
# and the files Wails generates under build/ stay out of the work tree.
proj="$stage/project"
mkdir -p "$proj"
tar -c --exclude=build/bin go.mod go.sum ./*.go backend build wails.json frontend/dist | tar -x -C "$proj"
jq --arg v "$NUM_VERSION" '.info.productVersion = $v' wails.json >"$proj/wails.json"

step "fiskaldesk_${PKG_VERSION}_amd64.deb (desktop, linux/amd64)"
(cd "$proj" && "$WAILS" build -s -skipbindings -trimpath -platform linux/amd64 -tags webkit2_41 \
  -ldflags "$LDFLAGS" >"$stage/wails-linux.log" 2>&1) || { cat "$stage/wails-linux.log"; exit 1; }
BIN="$proj/build/bin/fiskaldesk" DEB_ARCH=amd64 "$NFPM" package --config build/linux/nfpm-desktop.yaml \
  --packager deb --target "$DIST/" >/dev/null

step "fiskaldesk_${PKG_VERSION}_windows_amd64_setup.exe (desktop, NSIS)"
(cd "$proj" && "$WAILS" build -s -skipbindings -trimpath -platform windows/amd64 -nsis \
  -ldflags "$LDFLAGS" >"$stage/wails-windows.log" 2>&1) || { cat "$stage/wails-windows.log"; exit 1; }
[[ -f "$proj/build/bin/fiskaldesk-amd64-installer.exe" ]] || { cat "$stage/wails-windows.log"; echo "dist: no installer" >&2; exit 1; }
cp "$proj/build/bin/fiskaldesk-amd64-installer.exe" "$DIST/fiskaldesk_${PKG_VERSION}_windows_amd64_setup.exe"

(cd "$DIST" && sha256sum -- * >SHA256SUMS)
printf '%s\n' "$PKG_VERSION" >"$DIST/VERSION"
step "done: $DIST/ (version $VERSION, package version $PKG_VERSION, commit ${COMMIT:0:12})"
(cd "$DIST" && ls -l --time-style=+ -- *.deb *.tar.gz *.zip *.exe | awk '{printf "  %10d  %s\n", $5, $NF}')
