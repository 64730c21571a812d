#!/usr/bin/env bash
# Freezes the built JS and addon into runs/snap-<name>/ so a long training run is not disturbed by
# rebuilds of the working tree; prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
snap="runs/snap-$1"
rm -rf "$snap" && mkdir -p "$snap"
cp -r dist package.json "$snap"/
ln -s "$PWD/node_modules" "$snap/node_modules"
cp build/Release/cefm_native.node "$snap/cefm_native.node"
echo "$snap"
