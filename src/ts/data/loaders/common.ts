import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CefmError, UsageError } from '../../errors.js';
import type { Table } from '../csv.js';
import type { DatasetReport, DatasetSpec, Sample } from '../spec.js';

/** Image files a loader picks up by extension (content is checked when decoded). */
export const IMAGE_FILE = /\.(jpe?g|png|webp|tiff?|bmp)$/i;

/** Throw a UsageError for options the loader does not know. */
export function checkOptions(spec: DatasetSpec, known: string[]): void {
  for (const key of Object.keys(spec.options)) {
    if (!known.includes(key)) {
      const allowed = known.length ? `known options: ${known.join(', ')}` : 'it takes no options';
      throw new UsageError(`--data ${spec.format}:${spec.path}: unknown option '${key}' (${allowed})`);
    }
  }
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new CefmError(`cannot list folder (${code ?? String(e)})`, { file: dir, cause: e });
  }
}

export interface FoundFile {
  path: string;
  /** Path relative to the walk's root, with '/' separators. */
  rel: string;
  name: string;
}

/** Every file under `root` down to `maxDepth` folder levels (hidden entries skipped), sorted by path. */
export async function walkFiles(root: string, maxDepth: number): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  const visit = async (dir: string, depth: number) => {
    for (const entry of await listDir(dir)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < maxDepth) await visit(path, depth + 1);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        out.push({ path, rel: relative(root, path).split(/[\\/]/).join('/'), name: entry.name });
      }
    }
  };
  await visit(root, 0);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * Resolves relative paths under a root, matching each segment exactly first and then ignoring
 * case (datasets copied between file systems disagree on case: derm7pt's `FCl/Fcl068.jpg` lives in
 * `FCL/`). Folder listings are cached.
 */
export class CaseInsensitiveResolver {
  private listings = new Map<string, Promise<Dirent[]>>();

  constructor(readonly root: string) {}

  async resolve(relPath: string): Promise<string | undefined> {
    let dir = this.root;
    for (const segment of relPath.split(/[\\/]+/).filter(Boolean)) {
      let listing = this.listings.get(dir);
      if (!listing) {
        listing = listDir(dir);
        this.listings.set(dir, listing);
      }
      const entries = await listing;
      const match = entries.find((e) => e.name === segment) ?? entries.find((e) => e.name.toLowerCase() === segment.toLowerCase());
      if (!match) return undefined;
      dir = join(dir, match.name);
    }
    return dir;
  }
}

/** Builds a DatasetReport while samples are collected. */
export class ReportBuilder {
  private perClass: Record<string, number> = {};
  private missing: string[] = [];
  private count = 0;

  constructor(private format: string, private root: string) {}

  add(sample: Sample): void {
    const name = sample.unlabelled ? 'unlabelled' : (sample.labels.diagnosis ?? (sample.labels.melanoma ? 'melanoma' : 'other'));
    this.perClass[name] = (this.perClass[name] ?? 0) + 1;
    this.count++;
  }

  missingFile(path: string, what: string): void {
    this.missing.push(`${path} (${what})`);
  }

  build(): DatasetReport {
    return { format: this.format, root: this.root, count: this.count, perClass: this.perClass, missing: this.missing };
  }
}

/** A 0/1 label written as 0, 1, 0.0, 1.0 (or any float equal to them); else an error naming file and line. */
export function parseBinary(value: string, table: Table, row: number, column: string): 0 | 1 {
  const v = Number(value.trim());
  if (value.trim() !== '' && (v === 0 || v === 1)) return v;
  throw new CefmError(`line ${table.lines[row]}: column ${column} must be 0 or 1, got '${value}'`, { file: table.file });
}

/** HAM10000 / ISIC 2018-2019 diagnosis codes to the names every loader reports. */
export const DIAGNOSIS_CODES: Record<string, string> = {
  mel: 'melanoma',
  nv: 'nevus',
  bcc: 'basal cell carcinoma',
  akiec: 'actinic keratosis',
  ak: 'actinic keratosis',
  bkl: 'benign keratosis',
  df: 'dermatofibroma',
  vasc: 'vascular lesion',
  scc: 'squamous cell carcinoma',
  unk: 'unknown',
};

/** Class names that mean melanoma in folder and CSV datasets: 'melanoma...', 'mel', 'MEL'. */
export function isMelanomaName(name: string): boolean {
  return /^mel(anoma)?([\s_\-(].*)?$/i.test(name.trim());
}

export function isSeborrheicKeratosisName(name: string): boolean {
  return /^(sk|seborrh?eic[\s_-]*keratos[ie]s)$/i.test(name.trim());
}

/** The file name without its extension. */
export function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
