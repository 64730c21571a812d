// Fixed, documented splits on top of the dataset loaders. A data spec may carry
//   ;part=train|val|test   which part of a seeded, group-aware split of that source to use
//   ;holdout=0.15 ;val=0.1 ;split_seed=2026   the split's shares and seed
//   ;exclude=<folder>      drop samples whose id appears in another dataset of the same format
//                          (the ISIC 2017 sample lives inside the 2,000: keep it out of training)
//   ;repeat=2              training only: the source's samples come that many times per epoch, so a
//                          small source is not drowned by a large one (eval and validation ignore it)
// so that `train` and `eval` name exactly the same images, and a test part stays untouched.
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { openDataset, parseSpec, type DatasetReport, type DatasetSpec, type Sample } from '../data/spec.js';
import { splitSamples } from '../data/split.js';

const SPLIT_KEYS = ['part', 'holdout', 'val', 'split_seed', 'exclude', 'repeat'];

export interface SplitSpec {
  part: 'train' | 'val' | 'test' | 'all';
  holdout: number;
  val: number;
  seed: number;
  exclude?: string;
  /** Times each sample appears in a training epoch (integer >= 1). */
  repeat: number;
}

export function takeSplitOptions(spec: DatasetSpec, raw: string): { spec: DatasetSpec; split: SplitSpec } {
  const options = { ...spec.options };
  const num = (k: string, d: number) => {
    if (options[k] === undefined) return d;
    const v = Number(options[k]);
    if (!Number.isFinite(v) || v < 0 || v >= 1) throw new UsageError(`--data ${raw}: ${k} must be a fraction in [0, 1), got '${options[k]}'`);
    return v;
  };
  const part = (options.part ?? 'all').toLowerCase();
  if (!['train', 'val', 'test', 'all'].includes(part)) throw new UsageError(`--data ${raw}: part must be train, val, test or all, got '${options.part}'`);
  const split: SplitSpec = {
    part: part as SplitSpec['part'],
    holdout: num('holdout', 0.15),
    val: num('val', 0.1),
    seed: options.split_seed === undefined ? 2026 : Number(options.split_seed),
    exclude: options.exclude,
    repeat: options.repeat === undefined ? 1 : Number(options.repeat),
  };
  if (!Number.isInteger(split.repeat) || split.repeat < 1 || split.repeat > 100) throw new UsageError(`--data ${raw}: repeat must be an integer from 1 to 100, got '${options.repeat}'`);
  if (!Number.isInteger(split.seed)) throw new UsageError(`--data ${raw}: split_seed must be an integer`);
  if (split.holdout + split.val >= 1) throw new UsageError(`--data ${raw}: holdout + val must be below 1`);
  for (const k of SPLIT_KEYS) delete options[k];
  return { spec: { ...spec, options }, split };
}

/** Open one spec with its split options applied. */
export async function openSplit(raw: string): Promise<{ samples: Sample[]; report: DatasetReport; split: SplitSpec }> {
  const { spec, split } = takeSplitOptions(parseSpec(raw), raw);
  const loaded = await openDataset(spec);
  let samples = loaded.samples;
  if (split.exclude) {
    const other = await openDataset({ format: spec.format, path: resolve(split.exclude), options: {} });
    const ids = new Set(other.samples.map((s) => s.id));
    samples = samples.filter((s) => !ids.has(s.id));
  }
  if (split.part !== 'all') {
    const parts = splitSamples(samples, { val: split.val, test: split.holdout, seed: split.seed });
    samples = parts[split.part];
  }
  return { samples, report: loaded.report, split };
}

/** Open every spec; `training` applies each spec's `repeat` (evaluation counts every image once). */
export async function openSplits(specs: string[], o: { training?: boolean } = {}): Promise<{ samples: Sample[]; reports: DatasetReport[] }> {
  const samples: Sample[] = [];
  const reports: DatasetReport[] = [];
  for (const raw of specs) {
    const r = await openSplit(raw);
    for (let k = 0; k < (o.training ? r.split.repeat : 1); k++) samples.push(...r.samples);
    reports.push({ ...r.report, count: r.samples.length });
  }
  return { samples, reports };
}
