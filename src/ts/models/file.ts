// Model files: one safetensors file is a complete model — its state dict, plus the model config, the
// preprocessing and whatever the model needs at inference (ABC standardisation, severity bins,
// prototypes) in `__metadata__`; extra tensors are stored under `extra.`.
import type { Backend } from '../backend/backend.js';
import { CefmError } from '../errors.js';
import { readSafetensorsF32, writeSafetensors } from '../io/safetensors.js';
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
  writeSafetensors(path, tensors, {
    'cefm.format': 'model',
    'cefm.config': JSON.stringify(model.config),
    'cefm.preprocessing': JSON.stringify(info.preprocessing),
    'cefm.extra': JSON.stringify(info.extra ?? {}),
  });
}

function parseJson<T>(path: string, metadata: Record<string, string>, key: string): T {
  const raw = metadata[key];
  if (raw === undefined) throw new CefmError(`not a cefm-native model file (no ${key} in the metadata)`, { file: path });
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new CefmError(`${key} in the metadata is not valid JSON`, { file: path });
  }
}

export function loadModelFile(path: string, be: Backend): LoadedModel {
  const { tensors, metadata } = readSafetensorsF32(path);
  const config = parseJson<ModelConfig>(path, metadata, 'cefm.config');
  const preprocessing = parseJson<Preprocessing>(path, metadata, 'cefm.preprocessing');
  const extra = metadata['cefm.extra'] ? parseJson<Record<string, unknown>>(path, metadata, 'cefm.extra') : {};
  let model: AnyModel;
  try {
    model = buildModel(be, config);
  } catch (e) {
    throw new CefmError(`bad model config: ${(e as Error).message}`, { file: path });
  }
  const own = new Map<string, HostTensor>(), extraTensors = new Map<string, HostTensor>();
  for (const [k, t] of tensors) (k.startsWith(EXTRA) ? extraTensors.set(k.slice(EXTRA.length), t) : own.set(k, t));
  try {
    model.loadStateDict(own, true, path);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, config, preprocessing, extra, tensors: extraTensors, file: path };
}
