#!/usr/bin/env bash
# Replace the vendored YASGUI build with another version of the npm package @zazuko/yasgui.
# Usage: scripts/update-yasgui.sh 4.6.2
set -euo pipefail
version="${1:?usage: $0 VERSION}"
dest="$(cd "$(dirname "$0")/.." && pwd)/src/euproj_rdf/static/yasgui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "@zazuko/yasgui@$version" --silent >/dev/null && tar xzf ./*.tgz)
for f in yasgui.min.js yasgui.min.css; do
  gzip -9 -n -c "$work/package/build/$f" > "$dest/$f.gz"
done
echo "YASGUI $version copied to $dest; update NOTICE.md (version and integrity: npm view @zazuko/yasgui@$version dist.integrity)"
