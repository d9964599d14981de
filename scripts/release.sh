#!/usr/bin/env bash
# Release binaries of article5 for linux/amd64 and linux/arm64, with their
# sha256 in SHA256SUMS ('sha256sum -c SHA256SUMS' checks them).
#
#   scripts/release.sh [DIST]        # default: dist/
#
# Each binary is built by scripts/build.sh (static, -trimpath, version info
# stamped). The build date is the commit's time (SOURCE_DATE_EPOCH), so
# that the same commit builds the same bytes. VERSION overrides
# 'git describe'.
set -euo pipefail

cd "$(dirname "$0")/.."
dist=${1:-dist}
mkdir -p "$dist"
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git rev-parse --git-dir >/dev/null 2>&1; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
	export SOURCE_DATE_EPOCH
fi
if [ -z "${VERSION:-}" ]; then
	VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
fi
export VERSION

names=()
for arch in amd64 arm64; do
	name="article5-$VERSION-linux-$arch"
	scripts/build.sh "$dist/$name" linux "$arch"
	names+=("$name")
done
(cd "$dist" && sha256sum "${names[@]}" > SHA256SUMS && sha256sum -c --quiet SHA256SUMS)
echo "release $VERSION in $dist/:" >&2
cat "$dist/SHA256SUMS" >&2
