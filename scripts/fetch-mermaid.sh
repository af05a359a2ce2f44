#!/usr/bin/env bash
# Install Mermaid's browser bundle for the MkDocs site of `driftwatch docs --mkdocs`, from
# the npm registry (the official `mermaid` package), pinned by version and by the sha256
# of the file itself, into driftwatch/docs/static/ (git-ignored; shipped as package data
# of a wheel built afterwards). The 3.5 MB minified file is installed, not committed.
set -euo pipefail
VERSION=11.17.2
SHA256=581ed7d74bd9048d0e3a91363927d72ef22942d7722546b27f7cc29e35390eb8
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/driftwatch/docs/static"
if [ -f "$dest/mermaid.min.js" ] && echo "$SHA256  $dest/mermaid.min.js" | sha256sum -c --status; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-mermaid: npm not found; 'driftwatch docs --mkdocs' will load Mermaid from a CDN" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "mermaid@$VERSION" >/dev/null)
tar -xzf "$work/mermaid-$VERSION.tgz" -C "$work" package/dist/mermaid.min.js package/LICENSE
echo "$SHA256  $work/package/dist/mermaid.min.js" | sha256sum -c --status \
  || { echo "fetch-mermaid: mermaid@$VERSION does not match the pinned sha256" >&2; exit 1; }
mkdir -p "$dest"
cp "$work/package/LICENSE" "$dest/mermaid.LICENSE"
printf '%s\n' "$VERSION" > "$dest/mermaid.VERSION"
cp "$work/package/dist/mermaid.min.js" "$dest/.mermaid.min.js.tmp"
mv "$dest/.mermaid.min.js.tmp" "$dest/mermaid.min.js"
echo "fetch-mermaid: installed mermaid $VERSION into $dest" >&2
