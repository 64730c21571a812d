// `cefm-native explain`: one lesion → a report a clinician can check (text, JSON, Markdown or HTML),
// with an optional overlay PNG.
import type { Command } from 'commander';
import { collect } from '../options.js';
import { writeFileAtomic } from '../../atomic.js';
import { openBackend, type BackendChoice } from '../../backend/open.js';
import { readMask, readRgb } from '../../data/image.js';
import { UsageError } from '../../errors.js';
import { explainImage } from '../../explain/pipeline.js';
import { renderExplainOverlay } from '../../explain/overlay.js';
import { renderHtml } from '../../explain/render-html.js';
import { renderMarkdown } from '../../explain/render-markdown.js';
import { renderText } from '../../explain/render-text.js';
import { closePipeline, openPipeline } from '../../predict/pipeline.js';

interface ExplainFlags {
  mask?: string;
  model?: string[];
  format: string;
  out?: string;
  overlay?: string;
  backend: string;
}

const FORMATS = ['text', 'json', 'md', 'html'];

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('explain one lesion: diagnosis, ABC evidence, agreement with the image model, nearest training cases')
    .argument('<image>', 'dermoscopy image (JPEG, PNG, ...)')
    .option('--mask <file>', 'lesion mask (default: the multi-task network segments the image)')
    .option('--model <file>', 'model file (repeatable: CEFM and multi-task); default: the shipped models', collect)
    .option('--format <f>', 'text | json | md | html', 'text')
    .option('--out <file>', 'write the report here (default: stdout)')
    .option('--overlay <file.png>', 'write the overlay: contour, principal axes, attention rollout')
    .option('--backend <kind>', 'auto | native | webgpu', 'auto')
    .action(async (file: string, flags: ExplainFlags) => {
      if (!FORMATS.includes(flags.format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${flags.format}'`);
      if (flags.overlay && !/\.png$/i.test(flags.overlay)) throw new UsageError(`--overlay ${flags.overlay}: the overlay is a .png file`);
      const image = await readRgb(file);
      const mask = flags.mask ? await readMask(flags.mask, { width: image.width, height: image.height }) : null;
      const be = await openBackend(flags.backend as BackendChoice, { onChoice: () => {} });
      const pipeline = openPipeline(be, flags.model ?? []);
      try {
        const needOverlay = !!flags.overlay || flags.format === 'html';
        const ex = await explainImage(pipeline, file, image, mask, { overlay: needOverlay });
        const overlayPng = needOverlay && ex.overlay ? await renderExplainOverlay(ex.overlay, ex.report) : undefined;
        if (flags.overlay && overlayPng) writeFileAtomic(flags.overlay, overlayPng);
        const text = flags.format === 'json' ? `${JSON.stringify(ex.report, null, 2)}\n`
          : flags.format === 'md' ? renderMarkdown(ex.report)
          : flags.format === 'html' ? renderHtml(ex.report, { overlayPng, distributions: ex.distributions })
          : renderText(ex.report);
        if (flags.out) writeFileAtomic(flags.out, text);
        else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      } finally {
        closePipeline(pipeline);
        await be.dispose();
      }
    });
}
