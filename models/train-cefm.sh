#!/usr/bin/env bash
# The default CEFM model's training command (models/cefm.md). Extra flags pass through
# (e.g. --stage heads --multitask-model models/multitask.safetensors to redo the clinical stages).
# The backbone learns from the labels and from the shipped multi-task model (--distill, weight 0.5).
cd "$(dirname "$0")/.."
snap=$(models/snapshot.sh cefm)
CEFM_ADDON="$PWD/$snap/cefm_native.node" CEFM_THREADS=1 exec node "$snap/dist/src/ts/cli/main.js" train --model cefm --backend native --preset cct-small \
  --data "ham10000:../shared/data/ham10000;part=train" \
  --data "isic2017:../shared/data/isic2017-2000;part=train;exclude=../shared/data/isic2017-sample;repeat=2" \
  --data "derm7pt:../shared/data/derm7pt;split=asymmetric_train;repeat=2" \
  --val "ham10000:../shared/data/ham10000;part=val" \
  --val "isic2017:../shared/data/isic2017-2000;part=val;exclude=../shared/data/isic2017-sample" \
  --val "derm7pt:../shared/data/derm7pt;split=asymmetric_valid" \
  --epochs 3 --distill models/multitask.safetensors --batch 32 --lr 1e-3 --seed 1 --workers 1 --out runs/cefm "$@"
