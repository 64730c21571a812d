// `cefm-native convert`: a torchvision/timm ViT state dict (safetensors) into a model file (--from),
// or a ViT model file back into a torchvision/timm state dict (--to).
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CefmError, UsageError } from '../../errors.js';
import { IMAGENET_MEAN, IMAGENET_STD, loadModel, saveModel } from '../../io/model-file.js';
import { readSafetensorsF32, writeSafetensors } from '../../io/safetensors.js';
import { fromVitSource, toVitSource, type PlainVitConfig, type VitSource } from '../../io/vit-names.js';

interface ConvertFlags {
  from?: string;
  to?: string;
  out?: string;
  heads?: string;
  numClasses?: string;
  imageSize?: string;
  json?: boolean;
}

const SOURCES: readonly VitSource[] = ['torchvision', 'timm'];

function source(flag: string, value: string): VitSource {
  if (!(SOURCES as readonly string[]).includes(value)) throw new UsageError(`convert: ${flag} must be torchvision or timm, got '${value}'`);
  return value as VitSource;
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`convert: ${flag} must be a positive integer, got '${value}'`);
  return n;
}

const describe = (c: PlainVitConfig) => `ViT width ${c.width}, depth ${c.depth}, ${c.heads} heads, MLP ${c.mlp_dim}, patch ${c.patch_size}, ${c.image_size} px, ${c.num_classes ? `${c.num_classes} classes` : 'no head'}`;

function importModel(input: string, out: string, from: VitSource, flags: ConvertFlags): void {
  const { tensors } = readSafetensorsF32(input);
  const imported = fromVitSource(from, tensors, {
    file: input,
    heads: positiveInt('--heads', flags.heads),
    numClasses: positiveInt('--num-classes', flags.numClasses),
    imageSize: positiveInt('--image-size', flags.imageSize),
  });
  const { config, notes } = imported;
  saveModel(out, {
    config,
    preprocessing: { image_size: config.image_size, mean: IMAGENET_MEAN, std: IMAGENET_STD },
    tensors: imported.tensors,
    extra: { imported_from: { format: from, file: basename(input) } },
  });
  if (flags.json) process.stdout.write(`${JSON.stringify({ from, input, out, config, notes })}\n`);
  else process.stdout.write(`${[...notes.map((n) => `convert: ${n}`), `convert: ${from} ${describe(config)} -> ${out}`].join('\n')}\n`);
}

function exportModel(input: string, out: string, to: VitSource, flags: ConvertFlags): void {
  const model = loadModel(input);
  if (model.config.arch !== 'vit') throw new CefmError(`a '${model.config.arch}' model: only plain ViT models export to ${to}`, { file: input });
  const config = model.config as unknown as PlainVitConfig;
  const tensors = toVitSource(to, config, model.tensors, input);
  // {"format": "pt"} is what Hugging Face writes for PyTorch state dicts.
  writeSafetensors(out, tensors, { format: 'pt' });
  if (flags.json) process.stdout.write(`${JSON.stringify({ to, input, out, config, tensors: tensors.size })}\n`);
  else process.stdout.write(`convert: ${describe(config)} -> ${to} state dict ${out} (${tensors.size} tensors)\n`);
}

export function registerConvertCommand(program: Command): void {
  program
    .command('convert')
    .description('import a torchvision/timm ViT state dict (safetensors) as a model file, or export a ViT model to one')
    .argument('<input>', '--from: the state dict (.safetensors); --to: a cefm-native ViT model file')
    .option('--from <format>', 'import: torchvision (VisionTransformer) or timm (vit_*)')
    .option('--to <format>', 'export: torchvision or timm (loads with strict=True)')
    .requiredOption('--out <file>', 'the file to write (.safetensors)')
    .option('--heads <n>', 'import: attention heads (default width / 64)')
    .option('--num-classes <n>', 'import: classes, when not the checkpoint\'s (a new zero head)')
    .option('--image-size <px>', 'import: image size, when not the checkpoint\'s (position embeddings resized bicubically)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nImported models get ImageNet mean/std preprocessing. F16/BF16 checkpoints are read as float32.')
    .action((input: string, flags: ConvertFlags) => {
      if (!!flags.from === !!flags.to) throw new UsageError('convert needs exactly one of --from <torchvision|timm> (import) or --to <torchvision|timm> (export)');
      const out = flags.out!;
      if (flags.from) importModel(input, out, source('--from', flags.from), flags);
      else {
        if (flags.heads || flags.numClasses || flags.imageSize) throw new UsageError('convert: --heads, --num-classes and --image-size go with --from');
        exportModel(input, out, source('--to', flags.to!), flags);
      }
    });
}
