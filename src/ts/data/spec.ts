import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CefmError, UsageError } from '../errors.js';
import { loadCsvDataset } from './loaders/csv.js';
import { loadDerm7pt } from './loaders/derm7pt.js';
import { loadFolder } from './loaders/folder.js';
import { loadHam10000 } from './loaders/ham10000.js';
import { loadIsic } from './loaders/isic.js';
import { loadPh2 } from './loaders/ph2.js';

export interface Sample {
  id: string;
  image: string;
  mask?: string;
  labels: { melanoma: 0 | 1; seborrheic_keratosis?: 0 | 1; diagnosis?: string };
  /** The dataset spec the sample came from (`format:path`). */
  source: string;
  /** Samples sharing a group (HAM10000 lesion_id) stay on one side of a split. */
  group?: string;
  /** The dataset has no class labels for it (e.g. ISIC segmentation-only tasks); `labels.melanoma` is then 0 and meaningless. */
  unlabelled?: true;
}

export interface DatasetReport {
  format: string;
  root: string;
  count: number;
  /** Samples per diagnosis ('unlabelled' for samples without class labels). */
  perClass: Record<string, number>;
  /** One line per file that was expected and not found (or found and unusable), naming it. */
  missing: string[];
}

export interface DatasetSpec {
  format: string;
  path: string;
  /** `;key=value` options after the path (e.g. `derm7pt:/data/derm7pt;split=asymmetric_train`). */
  options: Record<string, string>;
}

export interface LoadedDataset {
  samples: Sample[];
  report: DatasetReport;
}

/** A loader reads one dataset root. `source` is stamped on every sample. */
export type DatasetLoader = (root: string, spec: DatasetSpec, source: string) => Promise<LoadedDataset>;

const LOADERS: Record<string, DatasetLoader> = {
  isic: loadIsic,
  isic2016: loadIsic,
  isic2017: loadIsic,
  isic2018: loadIsic,
  isic2019: loadIsic,
  ham10000: loadHam10000,
  derm7pt: loadDerm7pt,
  ph2: loadPh2,
  folder: loadFolder,
  csv: loadCsvDataset,
};

export const DATASET_FORMATS = Object.keys(LOADERS);

/** Parse `format:path[;key=value]...`. */
export function parseSpec(spec: string): DatasetSpec {
  const colon = spec.indexOf(':');
  const format = colon > 0 ? spec.slice(0, colon).trim().toLowerCase() : '';
  if (!LOADERS[format]) {
    throw new UsageError(`--data ${spec}: expected format:path with format one of ${DATASET_FORMATS.join(', ')}`);
  }
  const [path, ...optionParts] = spec.slice(colon + 1).split(';');
  if (!path.trim()) throw new UsageError(`--data ${spec}: missing path after '${format}:'`);
  const options: Record<string, string> = {};
  for (const part of optionParts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--data ${spec}: option '${part}' is not key=value`);
    options[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return { format, path: path.trim(), options };
}

export async function openDataset(spec: string | DatasetSpec): Promise<LoadedDataset> {
  const parsed = typeof spec === 'string' ? parseSpec(spec) : spec;
  const root = resolve(parsed.path);
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new CefmError(`${parsed.format} dataset not found`, { file: root });
  return LOADERS[parsed.format](root, parsed, `${parsed.format}:${root}`);
}

/** Open every spec and concatenate the samples (in spec order). */
export async function openDatasets(specs: string[]): Promise<{ samples: Sample[]; reports: DatasetReport[] }> {
  const samples: Sample[] = [];
  const reports: DatasetReport[] = [];
  for (const spec of specs) {
    const loaded = await openDataset(spec);
    samples.push(...loaded.samples);
    reports.push(loaded.report);
  }
  return { samples, reports };
}

/** The report as text lines (for the CLI): counts per class, then each missing file. */
export function formatReport(report: DatasetReport): string[] {
  const classes = Object.entries(report.perClass)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const lines = [`${report.format} ${report.root}: ${report.count} samples (${classes})${report.missing.length ? `, ${report.missing.length} missing` : ''}`];
  for (const m of report.missing) lines.push(`  missing: ${m}`);
  return lines;
}
