// Model files: one safetensors file is a complete model — its state dict, plus the model config, the
// preprocessing and whatever the model needs at inference (ABC standardisation, severity bins,
// prototypes) in `__metadata__`; extra tensors are stored under `extra.`.
import type { Backend } from '../backend/backend.js';
import { CefmError } from '../errors.js';
import { loadModel, saveModel } from '../io/model-file.js';
import { moduleContext } from '../nn/module.js';
import type { HostTensor } from '../tensor.js';
import { Cefm, checkCefmConfig, type CefmConfig } from './cefm.js';
import { checkMultitaskConfig, MultitaskNet, type MultitaskConfig } from './multitask.js';
import { checkVitConfig, VisionTransformer, type VitConfig } from './vit.js';

export type ModelConfig = VitConfig | CefmConfig | MultitaskConfig;
export type AnyModel = VisionTransformer | Cefm | MultitaskNet;

export interface Preprocessing {
  image_size: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Colour constancy applied before resizing ('shades_of_gray') or none. */
  color_constancy: string | null;
}

export interface ModelInfo {
  preprocessing: Preprocessing;
  /** Anything JSON the task stores (ABC statistics, severity bins, training record). */
  extra?: Record<string, unknown>;
  /** Extra tensors (e.g. prototype embeddings). */
  tensors?: Map<string, HostTensor>;
}

export interface LoadedModel<M extends AnyModel = AnyModel> extends Required<ModelInfo> {
  model: M;
  config: ModelConfig;
  file: string;
}

const EXTRA = 'extra.';

export function buildModel(be: Backend, config: ModelConfig, seed = 0): AnyModel {
  const ctx = moduleContext(be, seed);
  switch (config.arch) {
    case 'vit':
      return new VisionTransformer(ctx, checkVitConfig(config));
    case 'cefm':
      return new Cefm(ctx, checkCefmConfig(config));
    case 'multitask':
      return new MultitaskNet(ctx, checkMultitaskConfig(config));
    default:
      throw new CefmError(`unknown model arch '${(config as { arch: string }).arch}' (known: vit, cefm, multitask)`);
  }
}

export async function saveModelFile(path: string, model: AnyModel, info: ModelInfo): Promise<void> {
  const tensors = await model.stateDict();
  for (const [k, t] of info.tensors ?? []) tensors.set(EXTRA + k, t);
  saveModel(path, { config: model.config, preprocessing: { ...info.preprocessing }, tensors, extra: info.extra ?? {} });
}

/** Loads a model file onto a backend; a file whose tensors do not fit its config is refused naming both. */
export function loadModelFile(path: string, be: Backend): LoadedModel {
  const file = loadModel<ModelConfig>(path);
  let model: AnyModel;
  try {
    model = buildModel(be, file.config);
  } catch (e) {
    throw new CefmError(`bad model config: ${(e as Error).message}`, { file: path });
  }
  const own = new Map<string, HostTensor>(), extraTensors = new Map<string, HostTensor>();
  for (const [k, t] of file.tensors) (k.startsWith(EXTRA) ? extraTensors.set(k.slice(EXTRA.length), t) : own.set(k, t));
  try {
    model.loadStateDict(own, true, path);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const pre = file.preprocessing as unknown as Preprocessing;
  return { model, config: file.config, preprocessing: { ...pre, color_constancy: pre.color_constancy ?? null }, extra: file.extra, tensors: extraTensors, file: path };
}
