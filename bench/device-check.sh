#!/usr/bin/env bash
# One prepared GPU check, under 5 minutes: `cefm-native info` and `bench kernels` on the adapter,
# `bench model` (vit-tiny, vit-b16, multitask) on WebGPU, and PyTorch's fp32 (TF32 off) matmul /
# attention / conv at the same shapes as the ceiling.
# On a lent GPU machine: prepare here with bench/device-prepare.sh, then run this there with
# carry [".device"]. Here (no GPU) it runs end to end on the software adapter with small shapes.
# Results: $OUT (device) or bench/results/device-check-local/ (here): info.json, ours.json,
# torch.json, device-table.md, models.jsonl + models.md (bench model on WebGPU).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out="${OUT:-$repo/bench/results/device-check-local}"
mkdir -p "$out"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/cefm-xdg}"; mkdir -p "$XDG_RUNTIME_DIR"
log() { echo "[device-check $(date +%T)] $*"; }

if [ -d .device ]; then
  log "unpacking the carried node, dawn.node and build"
  work=/tmp/cefm-device; rm -rf "$work"; mkdir -p "$work/bin"
  xz -dc .device/node.xz > "$work/bin/node" && chmod +x "$work/bin/node"
  tar -C "$work" -xJf .device/pkg.tar.xz
  export PATH="$work/bin:$PATH"
  app="$work/pkg"
  if ! ldconfig -p | grep -q libvulkan.so.1; then
    for f in .device/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  fi
  if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  fi
else
  app="$repo"
fi
cli() { node "$app/bin/cefm-native.js" "$@"; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"

log "cefm-native info"
cli info --json > "$out/info.json" || { log "info failed"; cat "$out/info.json"; exit 1; }
cli info | tee "$out/info.txt"
hardware=$(node -e "const j=require('$out/info.json');console.log(j.adapters.some(a=>!a.software)?1:0)")

if [ "$hardware" = 1 ]; then
  sizes=1024,2048,4096,1576x768x2304; repeats=30; ops=matmul,conv2d,attention,layer_norm,softmax
else
  log "no hardware adapter: small shapes on the software adapter"
  sizes=128,256; repeats=5; ops=matmul
fi
log "bench kernels on WebGPU (ops $ops)"
timeout 240 node "$app/bin/cefm-native.js" bench kernels --backend webgpu --ops "$ops" --sizes "$sizes" --repeats "$repeats" --json > "$out/ours.json" \
  || log "bench kernels failed or timed out (partial results kept)"

if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  log "PyTorch fp32 peer (TF32 off)"
  timeout 120 python3 "$repo/bench/peers/torch_cuda.py" --sizes "$sizes" > "$out/torch.json" || log "torch peer failed"
else
  log "no CUDA PyTorch here: no peer column"
  echo '{"results": []}' > "$out/torch.json"
fi
node "$repo/bench/device-table.mjs" "$out/ours.json" "$out/torch.json" "$out/gpu.txt" > "$out/device-table.md" && cat "$out/device-table.md"

# Whole models on WebGPU (bench model): vit-tiny and multitask with a training step, vit-b16
# inference. A software adapter gets one tiny case, so the path is still exercised.
if [ "$hardware" = 1 ]; then
  models=("vit-tiny --batch 32 --image-size 224 --train" "vit-b16 --batch 16 --image-size 224" "multitask --preset unet-large --batch 16 --image-size 256 --train" "multitask --preset unet-small --batch 32 --image-size 96 --train")
  model_repeats="--repeats 10 --warmup 3"
else
  models=("multitask --preset unet-test --batch 2 --image-size 16 --train")
  model_repeats="--repeats 1 --warmup 0"
fi
: > "$out/models.jsonl"
for m in "${models[@]}"; do
  log "bench model --backend webgpu --arch $m"
  # shellcheck disable=SC2086  # $m and $model_repeats are flag lists
  if timeout 90 node "$app/bin/cefm-native.js" bench model --backend webgpu --arch $m $model_repeats --json >> "$out/models.jsonl"; then :; else log "bench model $m failed or timed out"; fi
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
console.log("| model | preset | batch × px | inference img/s | train img/s | peak RSS MB | device MB | device |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.arch} | ${r.preset} | ${r.batch} × ${r.image_size} | ${r.inference_images_per_s.toFixed(1)} | ${r.train_images_per_s?.toFixed(1) ?? "-"} | ${r.peak_rss_mb.toFixed(0)} | ${r.device_memory_mb?.toFixed(0) ?? "-"} | ${r.device} |`);
' "$out/models.jsonl" > "$out/models.md" && cat "$out/models.md"
log "done"
