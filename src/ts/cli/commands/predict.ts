// `cefm-native predict`: headless batch inference (see README).
import type { Command } from 'commander';
import { collect } from '../options.js';
import { openBackend, type BackendChoice } from '../../backend/open.js';
import { CefmError, UsageError } from '../../errors.js';
import { closePipeline, openPipeline } from '../../predict/pipeline.js';
import { checkOutPath, expandInputs, predictFiles, readInputList } from '../../predict/run.js';
import { Progress } from '../progress.js';

interface PredictFlags {
  model?: string[];
  out?: string;
  masksOut?: string;
  mask?: string;
  list?: string;
  backend: string;
  batch: string;
  resume?: boolean;
  json?: boolean;
  quiet?: boolean;
}


export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('melanoma / seborrheic keratosis probabilities, ABC and logits for many images (JSONL or CSV)')
    .argument('[inputs...]', 'image files, folders or globs')
    .option('--list <file>', 'also the image paths in this file, one per line (- reads standard input)')
    .option('--model <file>', 'model file (repeatable: a multi-task and a CEFM model, or one converted ViT); default: the shipped models', collect)
    .option('--out <file>', 'results.jsonl or results.csv (default: JSON lines on stdout)')
    .option('--masks-out <dir>', 'write each predicted mask as <stem>_mask.png (0/255) at the image size')
    .option('--mask <file>', 'the lesion mask of a single input image (instead of the predicted one)')
    .option('--backend <kind>', 'auto | native | webgpu', 'auto')
    .option('--batch <n>', 'images per model call', '8')
    .option('--resume', 'skip images already in --out')
    .option('--json', 'print records as JSON lines on stdout (the default without --out)')
    .option('--quiet', 'no progress output')
    .action(async (inputs: string[], flags: PredictFlags) => {
      checkOutPath(flags.out);
      if (flags.resume && !flags.out) throw new UsageError('--resume needs --out');
      const files = expandInputs([...inputs, ...(flags.list ? await readInputList(flags.list) : [])]);
      if (!files.length) throw new UsageError('predict: no input images (give files, folders, globs or --list)');
      if (flags.mask && files.length !== 1) throw new UsageError('--mask applies to a single input image');
      const batch = Number(flags.batch);
      const log = (l: string) => flags.quiet || process.stderr.write(`${l}\n`);
      const be = await openBackend(flags.backend as BackendChoice, { onChoice: () => {} });
      const progress = new Progress({ label: 'predict', total: files.length, silent: flags.quiet || files.length < 2 });
      let pipeline;
      try {
        pipeline = openPipeline(be, flags.model ?? []);
        let last = 0;
        const summary = await predictFiles(pipeline, files, {
          out: flags.out, masksOut: flags.masksOut, batch, resume: !!flags.resume,
          maskFor: flags.mask ? () => flags.mask : undefined,
          onRecord: (r) => {
            if (!flags.out || flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
            if (r.error) progress.warn(`cefm-native: ${r.file}: ${r.error}`);
          },
          onProgress: (done, failed) => { progress.tick(done - last, false, failed ? `${failed} failed` : undefined); last = done; },
        });
        progress.finish();
        log(`predict: ${summary.images} images (${summary.failed} failed${summary.skipped_existing ? `, ${summary.skipped_existing} already in ${flags.out}` : ''}) in ${summary.seconds.toFixed(1)} s, ${summary.images_per_s.toFixed(1)} images/s on ${be.description}`);
        if (summary.images && summary.failed === summary.images) throw new CefmError('predict: no image could be processed');
        if (summary.failed) process.exitCode = 3;
      } finally {
        if (pipeline) closePipeline(pipeline);
        await be.dispose();
      }
    });
}
