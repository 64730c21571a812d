// `cefm-native train`: trains the multi-task network or CEFM on data specs (see README).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { collect } from '../options.js';
import { openBackend, type BackendChoice } from '../../backend/open.js';
import { AUGMENT_PRESETS } from '../../data/augment.js';
import { CefmError, UsageError } from '../../errors.js';
import { trainFromOptions, type TrainCliOptions } from '../../train/run.js';

interface TrainFlags {
  model: string;
  data?: string[];
  val?: string[];
  valSplit?: string;
  backend: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  imageSize?: string;
  seed?: string;
  out?: string;
  resume?: boolean;
  config?: string;
  preset?: string;
  maxSteps?: string;
  workers?: string;
  checkpointEvery?: string;
  multitaskModel?: string;
  distill?: string;
  distillWeight?: string;
  stage?: string;
  augment?: string;
  json?: boolean;
  quiet?: boolean;
}


function int(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}
function num(name: string, v: string | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw new UsageError(`--${name} must be a number in [${lo}, ${hi}], got '${v}'`);
  return n;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model on dermoscopy data (checkpoints, JSONL log, --resume)')
    .requiredOption('--model <kind>', 'multitask | cefm')
    .option('--data <spec>', 'training data, format:path[;part=train...] (repeatable)', collect)
    .option('--val <spec>', 'validation data (repeatable); default: --val-split of the training data', collect)
    .option('--val-split <fraction>', 'share of the training data held out for validation when no --val (default 0.1)')
    .option('--backend <kind>', 'auto | native | webgpu', 'auto')
    .option('--epochs <n>', 'epochs')
    .option('--batch <n>', 'batch size')
    .option('--lr <lr>', 'peak learning rate')
    .option('--image-size <px>', 'input size (square)')
    .option('--seed <n>', 'seed of init, sampling and augmentation')
    .option('--out <dir>', 'output folder (checkpoints, log.jsonl, model.safetensors)')
    .option('--resume', 'continue from <out>/last.safetensors')
    .option('--config <file.json>', 'options as JSON (flags override)')
    .option('--preset <name>', 'architecture preset (multitask: unet-small, unet-large; cefm backbone: cct-small, vit-tiny, ...)')
    .option('--max-steps <n>', 'stop after this many steps (smoke runs)')
    .option('--workers <n>', 'image decoding threads')
    .option('--checkpoint-every <steps>', 'checkpoint interval in steps')
    .option('--multitask-model <file>', 'cefm: the multi-task model whose masks give ABC where the data has none')
    .option('--distill <file>', 'cefm: a multi-task model whose melanoma probability on each training view is a soft target for the backbone')
    .option('--distill-weight <w>', 'cefm: weight of the distillation loss, the label loss gets 1 - w (default 0.5)')
    .option('--stage <name>', 'cefm: all | backbone | heads | classifier | end-to-end (default all)')
    .option('--augment <preset>', `training augmentation: ${Object.keys(AUGMENT_PRESETS).join(' | ')} (default strong; a config file may give the options)`)
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress output')
    .action(async (flags: TrainFlags) => {
      if (flags.model !== 'multitask' && flags.model !== 'cefm') throw new UsageError(`--model must be multitask or cefm, got '${flags.model}'`);
      let fromFile: Partial<TrainCliOptions> = {};
      if (flags.config) {
        try {
          fromFile = JSON.parse(readFileSync(flags.config, 'utf8')) as Partial<TrainCliOptions>;
        } catch (e) {
          throw new CefmError(`cannot read the config (${(e as Error).message.split('\n')[0]})`, { file: flags.config });
        }
      }
      const pick = <T>(flag: T | undefined, key: keyof TrainCliOptions): T | undefined => flag ?? (fromFile[key] as T | undefined);
      const opts: TrainCliOptions = {
        model: flags.model,
        data: pick(flags.data, 'data') ?? [],
        val: pick(flags.val, 'val') ?? [],
        valSplit: pick(num('val-split', flags.valSplit, 0, 0.9), 'valSplit') ?? 0.1,
        epochs: pick(int('epochs', flags.epochs), 'epochs'),
        batch: pick(int('batch', flags.batch), 'batch'),
        lr: pick(num('lr', flags.lr, 0, 10), 'lr'),
        imageSize: pick(int('image-size', flags.imageSize, 8), 'imageSize'),
        seed: pick(int('seed', flags.seed, 0), 'seed') ?? 0,
        out: pick(flags.out, 'out') ?? `runs/${flags.model}`,
        resume: !!flags.resume,
        preset: pick(flags.preset, 'preset'),
        maxSteps: pick(int('max-steps', flags.maxSteps), 'maxSteps'),
        workers: pick(int('workers', flags.workers, 0), 'workers'),
        checkpointEvery: pick(int('checkpoint-every', flags.checkpointEvery), 'checkpointEvery'),
        multitaskModel: pick(flags.multitaskModel, 'multitaskModel'),
        distill: pick(flags.distill, 'distill'),
        distillWeight: pick(num('distill-weight', flags.distillWeight, 0, 1), 'distillWeight'),
        stage: pick(flags.stage, 'stage') ?? 'all',
        quiet: !!flags.quiet,
        augment: flags.augment === undefined ? fromFile.augment : augmentPreset(flags.augment),
      };
      if (!opts.data.length) throw new UsageError('train: give at least one --data spec');
      const be = await openBackend(flags.backend as BackendChoice, { onChoice: (m) => opts.quiet || process.stderr.write(`${m}\n`) });
      try {
        const summary = await trainFromOptions(be, opts);
        process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `trained ${opts.model}: ${summary.steps} steps, ${summary.seconds.toFixed(0)} s, ${summary.imagesPerSecond.toFixed(1)} images/s; model: ${summary.model}\n`);
      } finally {
        await be.dispose();
      }
    });
}

function augmentPreset(name: string): TrainCliOptions['augment'] {
  if (!(name in AUGMENT_PRESETS)) throw new UsageError(`--augment must be one of ${Object.keys(AUGMENT_PRESETS).join(', ')}, got '${name}'`);
  return AUGMENT_PRESETS[name as keyof typeof AUGMENT_PRESETS];
}
