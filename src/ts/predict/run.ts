// Headless batch inference: expands files / folders / globs, decodes ahead of the models, appends one
// record per image as it finishes (JSONL or CSV), optionally writes predicted masks, and can resume.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../atomic.js';
import { readRgb, type RgbImage, readMask, type Mask } from '../data/image.js';
import { IMAGE_FILE } from '../data/loaders/common.js';
import { UsageError } from '../errors.js';
import { type Pipeline, type PredictRecord, runBatch } from './pipeline.js';

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

/** The files an earlier (possibly interrupted) run already wrote records for. */
function doneFiles(out: string): Set<string> {
  const done = new Set<string>();
  if (!existsSync(out)) return done;
  const csv = extname(out).toLowerCase() === '.csv';
  for (const line of readFileSync(out, 'utf8').split('\n').slice(csv ? 1 : 0)) {
    if (!line.trim()) continue;
    try {
      if (csv) done.add(line.startsWith('"') ? JSON.parse(line.slice(0, line.indexOf('",') + 1).replace(/""/g, '\\"')) : line.slice(0, line.indexOf(',')));
      else done.add((JSON.parse(line) as PredictRecord).file);
    } catch {
      // A torn last line of a killed run: that image is done again.
    }
  }
  return done;
}

async function decode(file: string, maskFile?: string): Promise<{ file: string; image?: RgbImage; mask?: Mask; error?: string }> {
  try {
    const image = await readRgb(file);
    const mask = maskFile ? await readMask(maskFile, { width: image.width, height: image.height }) : undefined;
    return { file, image, mask };
  } catch (e) {
    return { file, error: (e as Error).message.split('\n')[0] };
  }
}

export async function predictFiles(p: Pipeline, files: string[], o: PredictOptions): Promise<PredictSummary> {
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new UsageError(`--batch must be a positive integer, got ${o.batch}`);
  const csv = !!o.out && extname(o.out).toLowerCase() === '.csv';
  let todo = files.map((f) => resolve(f));
  let skippedExisting = 0;
  if (o.out) {
    mkdirSync(dirname(resolve(o.out)), { recursive: true });
    if (o.resume) {
      const done = doneFiles(o.out);
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
  // Decoding of the next batch overlaps inference of this one.
  const decodeBatch = (b: string[]) => Promise.all(b.map((f) => decode(f, o.maskFor?.(f))));
  let next = batches.length ? decodeBatch(batches[0]) : null;
  for (let b = 0; b < batches.length; b++) {
    const decoded = await next!;
    next = b + 1 < batches.length ? decodeBatch(batches[b + 1]) : null;
    const good = decoded.filter((d) => d.image);
    const results = good.length ? await runBatch(p, good.map((d) => ({ file: d.file, image: d.image!, mask: d.mask }))) : [];
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
        writes.push(sharp(Buffer.from(r.mask.data), { raw: { width: r.mask.width, height: r.mask.height, channels: 1 } }).png().toBuffer()
          .then((png) => writeFileAtomic(join(o.masksOut!, `${stem}_mask.png`), png)));
      }
    }
    await Promise.all(writes);
    o.onProgress?.(done, failed);
  }
  const seconds = (Date.now() - started) / 1000;
  return { images: done, failed, skipped_existing: skippedExisting, seconds, images_per_s: done / Math.max(seconds, 1e-9) };
}

export function checkOutPath(out: string | undefined): void {
  if (out && !/\.(jsonl|csv|json)$/i.test(out)) throw new UsageError(`--out ${out}: use a .jsonl or .csv file`);
}


