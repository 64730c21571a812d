#!/usr/bin/env bash
# Run HERE (the development machine) before a device check: packs into .device/ (git-ignored) what the
# bare GPU machine lacks: node, the linux-x64 dawn.node and the few JS packages the CLI imports, the
# built dist/ and addon, and the Vulkan loader packages. Then call the device tool's run with
#   carry: [".device"], command: "bash bench/device-check.sh", timeout_s: 420
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .device && mkdir -p .device/pkg/node_modules .device/gl
npm run -s build
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > .device/node.xz
# only what `cefm-native info` and `bench kernels` import at run time
mkdir -p .device/pkg/node_modules/webgpu/dist/linux-x64
cp node_modules/webgpu/{index.js,package.json} .device/pkg/node_modules/webgpu/
cp node_modules/webgpu/dist/linux-x64/dawn.node .device/pkg/node_modules/webgpu/dist/linux-x64/
cp -r node_modules/commander node_modules/sharp node_modules/detect-libc node_modules/semver .device/pkg/node_modules/
mkdir -p .device/pkg/node_modules/@img
cp -r node_modules/@img/colour node_modules/@img/sharp-linux-x64 node_modules/@img/sharp-libvips-linux-x64 .device/pkg/node_modules/@img/
cp -r bin dist package.json .device/pkg/
rm -rf .device/pkg/dist/tests
mkdir -p .device/pkg/build/Release .device/pkg/src
cp build/Release/cefm_native.node .device/pkg/build/Release/
cp -r src/wgsl .device/pkg/src/
tar -C .device -cJf .device/pkg.tar.xz pkg && rm -rf .device/pkg
# the Vulkan loader (the NVIDIA driver's ICD is on the machine; the loader may not be)
mkdir -p /tmp/amd64-lists/partial
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64-lists'
apt-get $o update -qq
(cd .device/gl && apt-get $o download libvulkan1 >/dev/null)
du -sh .device
