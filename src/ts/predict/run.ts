// Headless batch inference: expands files / folders / globs, decodes ahead of the models, appends one
// record per image as it finishes (JSONL or CSV), optionally writes predicted masks, and can resume.
import { appendFileSync, createReadStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { releaseFreeMemory } from '../addon.js';
import { writeFileAtomic } from '../atomic.js';
import { type DecodedRgb, readRgb, readMask, resizeMask, type Mask } from '../data/image.js';
import { ABC_CANONICAL_SIDE } from '../models/clinical.js';
import { IMAGE_FILE } from '../data/loaders/common.js';
import { UsageError } from '../errors.js';
import { type ImageResult, type Pipeline, type PredictRecord, runBatch } from './pipeline.js';

/** Files named by the arguments: files as given, folders walked (images only), `*`/`?` globs in the last part. */
export function expandInputs(args: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (IMAGE_FILE.test(name)) out.push(p);
    }
  };
  for (const a of args) {
    if (/[*?]/.test(basename(a))) {
      const dir = dirname(a);
      const re = new RegExp(`^${basename(a).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      if (!existsSync(dir)) throw new UsageError(`${a}: folder ${dir} not found`);
      const hits = readdirSync(dir).sort().filter((n) => re.test(n)).map((n) => join(dir, n));
      if (!hits.length) throw new UsageError(`${a}: no file matches`);
      out.push(...hits);
    } else if (existsSync(a) && statSync(a).isDirectory()) {
      walk(a);
    } else {
      out.push(a); // a missing or bad file becomes that image's error record
    }
  }
  return out;
}

export interface PredictOptions {
  out?: string;
  masksOut?: string;
  batch: number;
  resume: boolean;
  /** Per-image masks: image path → mask path. */
  maskFor?: (file: string) => string | undefined;
  onRecord?: (r: PredictRecord) => void;
  onProgress?: (done: number, failed: number) => void;
}

export interface PredictSummary {
  images: number;
  failed: number;
  skipped_existing: number;
  seconds: number;
  images_per_s: number;
}

const CSV_COLUMNS = ['file', 'melanoma_prob', 'seborrheic_keratosis_prob', 'label', 'A', 'B2', 'sigma_h', 'sigma_s', 'sigma_v', 'asymmetry_axes', 'border_score', 'color_count', 'logits', 'sources', 'time_ms', 'error'];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(r: PredictRecord): string {
  const abc = (r.abc ?? {}) as unknown as Record<string, unknown>;
  const get = (k: string) => (k in r ? (r as unknown as Record<string, unknown>)[k] : abc[k]);
  return CSV_COLUMNS.map((k) => csvCell(get(k))).join(',');
}

/** The files an earlier (possibly interrupted) run already wrote records for, read line by line (outputs grow large). */
async function doneFiles(out: string): Promise<Set<string>> {
  const done = new Set<string>();
  if (!existsSync(out)) return done;
  const csv = extname(out).toLowerCase() === '.csv';
  let first = true;
  for await (const line of createInterface({ input: createReadStream(out), crlfDelay: Infinity })) {
    const header = csv && first;
    first = false;
    if (header || !line.trim()) continue;
    try {
      if (csv) done.add(line.startsWith('"') ? JSON.parse(line.slice(0, line.indexOf('",') + 1).replace(/""/g, '\\"')) : line.slice(0, line.indexOf(',')));
      else done.add((JSON.parse(line) as PredictRecord).file);
    } catch {
      // A torn last line of a killed run: that image is done again.
    }
  }
  return done;
}

/** Paths listed one per line in `file` ('-': standard input); blank lines and lines starting with # are skipped. */
export async function readInputList(file: string): Promise<string[]> {
  if (file !== '-' && !existsSync(file)) throw new UsageError(`--list ${file}: file not found`);
  const out: string[] = [];
  const input = file === '-' ? process.stdin : createReadStream(file);
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const path = line.trim();
    if (path && !path.startsWith('#')) out.push(path);
  }
  return out;
}

/**
 * Decodes straight to the pipeline's working size (ABC's canonical side; the models' inputs are
 * smaller still): most of a large JPEG's decoding is then skipped. A given mask must match the file's size.
 */
async function decode(file: string, maskFile?: string): Promise<{ file: string; image?: DecodedRgb; mask?: Mask; error?: string }> {
  try {
    const image = await readRgb(file, { maxSide: ABC_CANONICAL_SIDE });
    const mask = maskFile ? resizeMask(await readMask(maskFile, image.original), image.width, image.height) : undefined;
    return { file, image, mask };
  } catch (e) {
    return { file, error: (e as Error).message.split('\n')[0] };
  }
}

export async function predictFiles(p: Pipeline, files: string[], o: PredictOptions): Promise<PredictSummary> {
  // libvips' operation cache helps repeated work on one image; here every image is new, and the cache
  // would only hold memory (up to 50 MB) that a long run never reuses.
  sharp.cache(false);
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new UsageError(`--batch must be a positive integer, got ${o.batch}`);
  const csv = !!o.out && extname(o.out).toLowerCase() === '.csv';
  let todo = files.map((f) => resolve(f));
  let skippedExisting = 0;
  if (o.out) {
    mkdirSync(dirname(resolve(o.out)), { recursive: true });
    if (o.resume) {
      const done = await doneFiles(o.out);
      const before = todo.length;
      todo = todo.filter((f) => !done.has(f));
      skippedExisting = before - todo.length;
    } else {
      writeFileAtomic(o.out, csv ? `${CSV_COLUMNS.join(',')}\n` : '');
    }
    if (csv && !existsSync(o.out)) writeFileAtomic(o.out, `${CSV_COLUMNS.join(',')}\n`);
  }
  if (o.masksOut) mkdirSync(o.masksOut, { recursive: true });
  const emit = (r: PredictRecord) => {
    if (o.out) appendFileSync(o.out, csv ? `${csvLine(r)}\n` : `${JSON.stringify(r)}\n`);
    o.onRecord?.(r);
  };
  const started = Date.now();
  let done = 0, failed = 0;
  const batches: string[][] = [];
  for (let i = 0; i < todo.length; i += o.batch) batches.push(todo.slice(i, i + o.batch));
  // Three batches overlap: one decoding (sharp's threads), one whose forward passes run on the
  // backend, and one finishing on this thread and the ABC workers (masks, ABC, records).
  const decodeBatch = (b: string[]) => Promise.all(b.map((f) => decode(f, o.maskFor?.(f))));
  type Running = { decoded: Awaited<ReturnType<typeof decodeBatch>>; results: Promise<ImageResult[]> };
  const finish = async ({ decoded, results: pending }: Running) => {
    const results = await pending;
    const byFile = new Map(results.map((r) => [r.record.file, r]));
    const writes: Promise<unknown>[] = [];
    for (const d of decoded) {
      const r = byFile.get(d.file);
      const record: PredictRecord = r?.record ?? { file: d.file, melanoma_prob: null, seborrheic_keratosis_prob: null, label: null, abc: null, logits: {}, sources: {}, time_ms: 0, error: d.error };
      if (record.error) failed++;
      done++;
      emit(record);
      if (o.masksOut && r?.mask && r.maskSource === 'predicted') {
        const stem = basename(d.file).replace(/\.[^.]+$/, '');
        const mask = resizeMask(r.mask, d.image!.original.width, d.image!.original.height);
        writes.push(sharp(Buffer.from(mask.data), { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toBuffer()
          .then((png) => writeFileAtomic(join(o.masksOut!, `${stem}_mask.png`), png)));
      }
    }
    await Promise.all(writes);
    releaseFreeMemory();
    o.onProgress?.(done, failed);
  };
  let next = batches.length ? decodeBatch(batches[0]) : null;
  let previous: Running | null = null;
  for (let b = 0; b < batches.length; b++) {
    const decoded = await next!;
    next = b + 1 < batches.length ? decodeBatch(batches[b + 1]) : null;
    const good = decoded.filter((d) => d.image);
    // runBatch queues this batch's first forward pass before it returns its promise.
    const results = good.length ? runBatch(p, good.map((d) => ({ file: d.file, image: d.image!, mask: d.mask }))) : Promise.resolve([]);
    results.catch(() => {}); // awaited in finish(); this only stops an early rejection counting as unhandled
    if (previous) await finish(previous);
    previous = { decoded, results };
  }
  if (previous) await finish(previous);
  const seconds = (Date.now() - started) / 1000;
  return { images: done, failed, skipped_existing: skippedExisting, seconds, images_per_s: done / Math.max(seconds, 1e-9) };
}

export function checkOutPath(out: string | undefined): void {
  if (out && !/\.(jsonl|csv|json)$/i.test(out)) throw new UsageError(`--out ${out}: use a .jsonl or .csv file`);
}


