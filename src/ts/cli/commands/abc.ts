// `cefm-native abc`: ABC features of one lesion (a table or --json, optional --overlay PNG), or of a
// whole data set into a CSV (--data ... --out).
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../atomic.js';
import { abcConstants, measureAbc, pickAbcFeatures } from '../../concepts/abc.js';
import { measureAbcSamples } from '../../concepts/abc-batch.js';
import { ABC_CSV_COLUMNS, abcCsvValues, csvLine } from '../../concepts/abc-csv.js';
import { renderAbcOverlay } from '../../concepts/abc-overlay.js';
import { formatAbcTable } from '../../concepts/abc-text.js';
import { readMask, readRgb } from '../../data/image.js';
import { formatReport, openDatasets } from '../../data/spec.js';
import { CefmError, UsageError } from '../../errors.js';
import { Progress } from '../progress.js';

interface AbcFlags {
  image?: string;
  mask?: string;
  json?: boolean;
  overlay?: string;
  data?: string[];
  out?: string;
  jobs?: string;
  quiet?: boolean;
}

async function measureOne(flags: AbcFlags & { image: string; mask: string }): Promise<void> {
  const image = await readRgb(flags.image);
  const mask = await readMask(flags.mask, { width: image.width, height: image.height });
  const m = await measureAbc(image, mask, { geometry: !!flags.overlay, file: flags.mask });
  if (flags.overlay) writeFileAtomic(flags.overlay, await renderAbcOverlay(image, m));
  const text = flags.json ? JSON.stringify(pickAbcFeatures(m)) : formatAbcTable(m, abcConstants(), `ABC features of ${flags.image}`);
  process.stdout.write(`${text}\n`);
}

async function measureDataset(flags: AbcFlags & { data: string[]; out: string }): Promise<void> {
  const jobs = flags.jobs === undefined ? availableParallelism() : Number(flags.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, got '${flags.jobs}'`);
  const { samples, reports } = await openDatasets(flags.data);
  const log = (line: string) => flags.quiet || process.stderr.write(`${line}\n`);
  reports.flatMap(formatReport).forEach(log);
  if (samples.length === 0) throw new CefmError(`abc: no images found in ${flags.data.join(', ')}`);
  if (!samples.some((s) => s.mask)) throw new CefmError(`abc: no image in ${flags.data.join(', ')} has a lesion mask (the ABC features need one)`);

  const progress = new Progress({ label: 'abc', total: samples.length, silent: flags.quiet });
  const results = await measureAbcSamples(samples, {
    concurrency: jobs,
    onResult: (r) => {
      if (!r.ok) progress.warn(`skipped: ${r.error}`);
      progress.tick(1, !r.ok);
    },
  });
  const { seconds } = progress.finish();
  const measured = results.filter((r) => r.ok);
  const failed = results.length - measured.length;
  if (measured.length === 0) throw new CefmError(`abc: none of the ${results.length} images could be measured; ${flags.out} not written`);

  const lines = [csvLine(ABC_CSV_COLUMNS)];
  for (const r of measured) {
    const s = r.sample;
    lines.push(csvLine(abcCsvValues({ id: s.id, image: s.image, mask: s.mask ?? '', melanoma: s.unlabelled ? '' : s.labels.melanoma }, r.features)));
  }
  writeFileAtomic(flags.out, `${lines.join('\n')}\n`);
  log(`abc: measured ${measured.length} of ${results.length} images in ${seconds.toFixed(1)} s (${jobs} at a time)` +
    `${failed ? `, ${failed} skipped` : ''} -> ${flags.out}`);
  if (failed) process.exitCode = 3;
}

export function registerAbcCommand(program: Command): void {
  program
    .command('abc')
    .description('ABC clinical features (asymmetry, border, colour) of a lesion from its image and mask, or of a whole data set')
    .option('--image <file>', 'dermoscopy image (JPEG, PNG, WebP, TIFF or BMP)')
    .option('--mask <file>', 'its lesion mask, same size (grey >= 128 is lesion)')
    .option('--json', 'print the features as one JSON object')
    .option('--overlay <png>', 'also draw the contour, principal axes and colour classes into this PNG')
    .option('--data <spec...>', 'measure a data set instead (format:path, e.g. isic2017:/data/isic2017)')
    .option('--out <csv>', 'with --data: the CSV to write, one row per image')
    .option('--jobs <n>', 'with --data: images measured at once (default: the number of cores)')
    .option('--quiet', 'with --data: no progress output')
    .addHelpText('after', '\nDefinitions and thresholds: docs/abc.md. Exit code 3 when some images of a data set were skipped.')
    .action(async (flags: AbcFlags) => {
      if (flags.data) {
        if (!flags.out) throw new UsageError('abc --data needs --out <csv>');
        if (flags.image || flags.mask || flags.overlay || flags.json) throw new UsageError('abc: use either --image/--mask or --data/--out, not both');
        await measureDataset({ ...flags, data: flags.data, out: flags.out });
      } else {
        if (!flags.image || !flags.mask) throw new UsageError('abc needs --image <file> and --mask <file> (or --data <spec> --out <csv>)');
        if (flags.out || flags.jobs) throw new UsageError('abc: --out and --jobs go with --data');
        await measureOne({ ...flags, image: flags.image, mask: flags.mask });
      }
    });
}
