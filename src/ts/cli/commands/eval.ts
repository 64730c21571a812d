// `cefm-native eval`: metrics of a model on data specs, per source and overall, with plots.
import type { Command } from 'commander';
import { collect } from '../options.js';
import { openBackend, type BackendChoice } from '../../backend/open.js';
import { UsageError } from '../../errors.js';
import { evaluateModel } from '../../eval/run.js';
import { Progress } from '../progress.js';

interface EvalFlags {
  model: string;
  data?: string[];
  multitaskModel?: string;
  plots?: string;
  explain?: string | boolean;
  backend: string;
  batch: string;
  seed: string;
  json?: boolean;
  quiet?: boolean;
}

const pct = (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '-');

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a model: classification per task, segmentation, CEFM alignment, calibration, plots')
    .requiredOption('--model <file>', 'model file')
    .option('--data <spec>', 'data, format:path[;part=test...] (repeatable)', collect)
    .option('--multitask-model <file>', 'CEFM: segments images that have no mask (default: the shipped multi-task model)')
    .option('--plots <dir>', 'write ROC, confusion, reliability and PCA plots (PNG)')
    .option('--explain [n]', 'CEFM: deletion / insertion curves of the attention map on the first n images (default 50)')
    .option('--backend <kind>', 'auto | native | webgpu', 'auto')
    .option('--batch <n>', 'images per model call', '16')
    .option('--seed <n>', 'seed of the bootstrap and the probe split', '0')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output')
    .action(async (flags: EvalFlags) => {
      if (!flags.data?.length) throw new UsageError('eval: give at least one --data spec');
      const batch = Number(flags.batch), seed = Number(flags.seed);
      if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch must be a positive integer, got '${flags.batch}'`);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${flags.seed}'`);
      const explain = flags.explain === undefined ? 0 : flags.explain === true ? 50 : Number(flags.explain);
      if (!Number.isInteger(explain) || explain < 0) throw new UsageError(`--explain must be a number of images, got '${flags.explain}'`);
      const be = await openBackend(flags.backend as BackendChoice, { onChoice: () => {} });
      let progress: Progress | null = null;
      let last = 0;
      try {
        const r = await evaluateModel(be, {
          model: flags.model, multitaskModel: flags.multitaskModel, data: flags.data, plots: flags.plots, explain, batch, seed,
          log: (l) => flags.quiet || process.stderr.write(`${l}\n`),
          onProgress: (done, total) => {
            progress ??= new Progress({ label: 'eval', total, silent: flags.quiet });
            progress.tick(done - last);
            last = done;
          },
        });
        (progress as Progress | null)?.finish();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const lines: string[] = [`eval ${flags.model} (${r.arch})`];
        const show = (name: string, m: Record<string, any>) => {
          lines.push(`${name}: ${m.images} images${m.failed ? ` (${m.failed} failed)` : ''}`);
          for (const task of ['melanoma', 'seborrheic_keratosis', 'melanoma_clinical_classifier']) {
            const t = m[task];
            if (t) lines.push(`  ${task}: AUC ${pct(t.roc_auc.auc)} [${pct(t.roc_auc.lower)}, ${pct(t.roc_auc.upper)}], acc ${pct(t.at_threshold.accuracy)}, bal.acc ${pct(t.at_threshold.balanced_accuracy)}, sens ${pct(t.at_threshold.sensitivity)}, spec ${pct(t.at_threshold.specificity)}, F1 ${pct(t.at_threshold.f1)}, kappa ${pct(t.at_threshold.kappa)}, sens@95%spec ${pct(t.sensitivity_at_specificity.sensitivity)}`);
          }
          if (m.segmentation) lines.push(`  segmentation: Jaccard ${pct(m.segmentation.mean_jaccard)}, Dice ${pct(m.segmentation.mean_dice)}, thresholded Jaccard ${pct(m.segmentation.thresholded_jaccard)} (${m.segmentation.n} masks)`);
          if (m.alignment) lines.push(`  alignment: matched cosine ${pct(m.alignment.cosine.matched)}, mismatched ${pct(m.alignment.cosine.mismatched)}, retrieval image→clinical top-1 ${pct(m.alignment.retrieval.image_to_clinical.top1)} top-5 ${pct(m.alignment.retrieval.image_to_clinical.top5)}`);
          if (m.concept_fidelity) lines.push(`  concept fidelity: mean R² ${pct(m.concept_fidelity.mean_r2)} ${JSON.stringify(m.concept_fidelity.r2)}`);
        };
        show('all', r.all as Record<string, any>);
        for (const [src, m] of Object.entries(r.sources as Record<string, any>)) show(src, m);
        if (r.faithfulness) {
          const f = r.faithfulness as Record<string, number>;
          lines.push(`faithfulness (${f.images} images): deletion AUC ${pct(f.deletion_auc)} (random ${pct(f.random_deletion_auc)}), insertion AUC ${pct(f.insertion_auc)} (random ${pct(f.random_insertion_auc)})`);
        }
        if (r.plots) lines.push(`plots: ${(r.plots as string[]).join(', ')}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await be.dispose();
      }
    });
}
