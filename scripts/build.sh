#!/usr/bin/env bash
# The one build command of article5. The Dockerfile, scripts/release.sh and
# .ci/run all build with it, so that what CI checks is what ships.
#
#   scripts/build.sh OUT [GOOS [GOARCH]]
#
# A static binary (CGO_ENABLED=0: the SQLite driver is pure Go), built with
# -trimpath, stamped with its version, commit and build date
# ('article5 version'). They come from VERSION, COMMIT and DATE when set,
# else from git (git describe, the commit, and now, or the time
# SOURCE_DATE_EPOCH names, for a reproducible build).
set -euo pipefail

out=${1:?usage: scripts/build.sh OUT [GOOS [GOARCH]]}
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
goos=${2:-$(go env GOOS)}
goarch=${3:-$(go env GOARCH)}

if [ -z "${VERSION:-}" ] || [ -z "${COMMIT:-}" ]; then
	if git rev-parse --git-dir >/dev/null 2>&1; then
		: "${VERSION:=$(git describe --tags --always --dirty 2>/dev/null || true)}"
		: "${COMMIT:=$(git rev-parse HEAD 2>/dev/null || true)}"
	fi
fi
: "${VERSION:=devel}"
: "${COMMIT:=}"
if [ -z "${DATE:-}" ]; then
	if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
		DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
	else
		DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	fi
fi

pkg=article5/cmd/article5/cli
ldflags="-s -w -X '$pkg.version=$VERSION' -X '$pkg.commit=$COMMIT' -X '$pkg.date=$DATE'"
CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" go build -trimpath -ldflags "$ldflags" -o "$out" ./cmd/article5
echo "built $out: article5 $VERSION ($goos/$goarch, commit ${COMMIT:-unknown}, $DATE)" >&2
