#!/usr/bin/env bash
# The default multi-task model's training command (models/multitask.md).
cd "$(dirname "$0")/.."
snap=$(models/snapshot.sh multitask)
CEFM_ADDON="$PWD/$snap/cefm_native.node" CEFM_THREADS=1 exec node "$snap/dist/src/ts/cli/main.js" train --model multitask --backend native --preset unet-small \
  --data "ham10000:../shared/data/ham10000;part=train" \
  --data "isic2017:../shared/data/isic2017-2000;part=train;exclude=../shared/data/isic2017-sample;repeat=2" \
  --data "isic2018:../shared/data/isic2018-task1-extra;part=train" \
  --data "derm7pt:../shared/data/derm7pt;split=asymmetric_train;repeat=2" \
  --val "ham10000:../shared/data/ham10000;part=val" \
  --val "isic2017:../shared/data/isic2017-2000;part=val;exclude=../shared/data/isic2017-sample" \
  --val "isic2018:../shared/data/isic2018-task1-extra;part=val" \
  --val "derm7pt:../shared/data/derm7pt;split=asymmetric_valid" \
  --epochs 6 --batch 16 --lr 2e-3 --seed 1 --workers 1 --out runs/multitask "$@"
