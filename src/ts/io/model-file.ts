// A model file is one safetensors file: the tensors, plus in `__metadata__` the model config and the
// preprocessing as JSON strings, so that nothing else is needed to run it.
import { CefmError } from '../errors.js';
import { type HostTensor, shapeString } from '../tensor.js';
import { readSafetensors, toFloat32, type WritableTensor, writeSafetensors } from './safetensors.js';

export const MODEL_FORMAT = '1';
/** `__metadata__` keys of a model file. */
export const META = { format: 'cefm.format', config: 'cefm.config', preprocessing: 'cefm.preprocessing', extra: 'cefm.extra' } as const;

/** ImageNet statistics: torchvision's and timm's pretrained ViTs expect them. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/** How an image becomes the model's input. Anything else JSON (e.g. `abc` standardisation) may ride along. */
export interface Preprocessing {
  image_size: number;
  /** Per-channel RGB mean and std on [0, 1] pixels: x = (pixel / 255 - mean) / std. */
  mean: number[];
  std: number[];
  [key: string]: unknown;
}

/** Every model config names its architecture; the rest belongs to the model. */
export interface ModelConfig {
  arch: string;
}

export interface ModelFileContents<C extends ModelConfig = ModelConfig> {
  config: C;
  preprocessing: Preprocessing;
  tensors: Map<string, HostTensor>;
  /** Anything else JSON the writer stored (training state, label names, ...); {} when none. */
  extra: Record<string, unknown>;
}

export interface ModelToSave {
  config: ModelConfig;
  preprocessing: Preprocessing;
  /** HostTensors are stored F32; a WritableTensor may ask for another dtype (e.g. I64 counters). */
  tensors: Map<string, HostTensor | WritableTensor> | Record<string, HostTensor | WritableTensor>;
  extra?: Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problem with a preprocessing object, or null when it is fine. */
export function preprocessingProblem(p: unknown): string | null {
  if (!isPlainObject(p)) return 'preprocessing is not a JSON object';
  if (!Number.isSafeInteger(p.image_size) || (p.image_size as number) < 1) return `preprocessing.image_size ${JSON.stringify(p.image_size)} is not a positive integer`;
  const numbers = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!numbers(p.mean)) return 'preprocessing.mean is not a list of numbers';
  if (!numbers(p.std) || !(p.std as number[]).every((x) => x > 0)) return 'preprocessing.std is not a list of positive numbers';
  if ((p.mean as number[]).length !== (p.std as number[]).length) return `preprocessing.mean has ${(p.mean as number[]).length} values, std ${(p.std as number[]).length}`;
  return null;
}

/** Writes a model file atomically. */
export function saveModel(file: string, model: ModelToSave): void {
  if (typeof model.config?.arch !== 'string') throw new Error(`saveModel ${file}: config.arch is missing`);
  const bad = preprocessingProblem(model.preprocessing);
  if (bad) throw new Error(`saveModel ${file}: ${bad}`);
  const metadata: Record<string, string> = {
    [META.format]: MODEL_FORMAT,
    [META.config]: JSON.stringify(model.config),
    [META.preprocessing]: JSON.stringify(model.preprocessing),
  };
  if (model.extra && Object.keys(model.extra).length) metadata[META.extra] = JSON.stringify(model.extra);
  writeSafetensors(file, model.tensors as Map<string, WritableTensor> | Record<string, WritableTensor>, metadata);
}

function parseJsonMeta(file: string, metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) throw new CefmError(`not a cefm-native model: __metadata__ has no ${key} (a plain state dict? import it with \`cefm-native convert\`)`, { file });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CefmError(`__metadata__ ${key} is not valid JSON (${(e as Error).message.split('\n')[0]})`, { file });
  }
}

/** Reads a model file: config, preprocessing and extra parsed and checked, tensors as float32. */
export function loadModel<C extends ModelConfig = ModelConfig>(file: string): ModelFileContents<C> {
  const { metadata, tensors: raw } = readSafetensors(file);
  const format = metadata[META.format];
  if (format === undefined) throw new CefmError(`not a cefm-native model: __metadata__ has no ${META.format} (a plain state dict? import it with \`cefm-native convert\`)`, { file });
  if (format !== MODEL_FORMAT) throw new CefmError(`model format ${JSON.stringify(format)} is not supported (this version reads ${MODEL_FORMAT})`, { file });
  const config = parseJsonMeta(file, metadata, META.config);
  if (!isPlainObject(config) || typeof config.arch !== 'string') throw new CefmError(`__metadata__ ${META.config} has no "arch"`, { file });
  const preprocessing = parseJsonMeta(file, metadata, META.preprocessing);
  const bad = preprocessingProblem(preprocessing);
  if (bad) throw new CefmError(bad, { file });
  let extra: unknown = {};
  if (metadata[META.extra] !== undefined) {
    extra = parseJsonMeta(file, metadata, META.extra);
    if (!isPlainObject(extra)) throw new CefmError(`__metadata__ ${META.extra} is not a JSON object`, { file });
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of raw) tensors.set(name, { shape: t.shape, data: toFloat32(t) });
  return { config: config as C, preprocessing: preprocessing as Preprocessing, tensors, extra: extra as Record<string, unknown> };
}

/**
 * Compares tensors against the expected {name: shape}; returns one line listing what is missing,
 * unexpected or wrong-shaped (a few of each, then a count), or null when they match.
 */
export function tensorShapeProblems(tensors: Map<string, { shape: readonly number[] }>, expected: Record<string, readonly number[]>): string | null {
  const missing: string[] = [], wrong: string[] = [], unexpected: string[] = [];
  for (const [name, shape] of Object.entries(expected)) {
    const t = tensors.get(name);
    if (!t) missing.push(`${name} ${shapeString(shape)}`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) wrong.push(`${name} is ${shapeString(t.shape)}, expected ${shapeString(shape)}`);
  }
  for (const name of tensors.keys()) if (!Object.prototype.hasOwnProperty.call(expected, name)) unexpected.push(name);
  const few = (label: string, items: string[]) => (items.length ? [`${label} ${items.slice(0, 3).join(', ')}${items.length > 3 ? ` (+${items.length - 3} more)` : ''}`] : []);
  const parts = [...few('missing', missing), ...few('unexpected', unexpected), ...few('wrong shape:', wrong)];
  return parts.length ? parts.join('; ') : null;
}

/** Throws a one-line CefmError naming the file when the tensors do not match the expected shapes. */
export function checkTensorShapes(file: string, tensors: Map<string, { shape: readonly number[] }>, expected: Record<string, readonly number[]>, what = 'the model config'): void {
  const problems = tensorShapeProblems(tensors, expected);
  if (problems) throw new CefmError(`tensors do not match ${what}: ${problems}`, { file });
}
