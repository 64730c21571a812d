// Training checkpoints: one safetensors file with the model's state dict, the optimiser's moments
// (`optimizer.<param>.<slot>`) and the trainer's position in `__metadata__` — enough to resume
// exactly. Written atomically.
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../nn/optim.js';
import { readSafetensorsF32, writeSafetensors } from '../io/safetensors.js';
import { CefmError } from '../errors.js';
import type { HostTensor } from '../tensor.js';

export interface TrainerState {
  epoch: number;
  /** Next batch of `epoch` to train. */
  batch: number;
  step: number;
  best: { epoch: number; score: number; metrics: Record<string, number> } | null;
  sinceBest: number;
  batchesTracked: number;
}

const OPT_PREFIX = 'optimizer.';

export async function saveTrainingState(path: string, model: Module, opt: Optimizer, state: TrainerState): Promise<void> {
  const tensors = await model.stateDict();
  const os = await opt.state();
  for (const [name, slots] of os.slots) slots.forEach((t, i) => tensors.set(`${OPT_PREFIX}${name}.${i}`, t));
  writeSafetensors(path, tensors, {
    'cefm.format': 'checkpoint',
    'cefm.trainer': JSON.stringify(state),
    'cefm.optimizer_step': String(os.step),
  });
}

export async function loadTrainingState(path: string, model: Module, opt: Optimizer): Promise<TrainerState> {
  const { tensors, metadata } = readSafetensorsF32(path);
  if (metadata['cefm.format'] !== 'checkpoint' || !metadata['cefm.trainer']) {
    throw new CefmError('not a training checkpoint (no cefm.trainer metadata)', { file: path });
  }
  const modelTensors = new Map<string, HostTensor>();
  const slots = new Map<string, HostTensor[]>();
  for (const [k, t] of tensors) {
    if (!k.startsWith(OPT_PREFIX)) {
      modelTensors.set(k, t);
      continue;
    }
    const rest = k.slice(OPT_PREFIX.length);
    const dot = rest.lastIndexOf('.');
    const name = rest.slice(0, dot), slot = Number(rest.slice(dot + 1));
    const list = slots.get(name) ?? [];
    list[slot] = t;
    slots.set(name, list);
  }
  model.loadStateDict(modelTensors, true, path);
  opt.loadState({ step: Number(metadata['cefm.optimizer_step']), slots });
  try {
    return JSON.parse(metadata['cefm.trainer']) as TrainerState;
  } catch {
    throw new CefmError('checkpoint trainer state is not valid JSON', { file: path });
  }
}
