// explain latency with the library warm (backend open, models loaded): decode + segment + ABC + CEFM
// + report (+ overlay PNG with --overlay), timed per call after one warm-up; median and max of --runs.
// The cold figure is the CLI's: `time cefm-native explain <image>`.
//   node dist/bench/explain-latency.js [image] [--runs 10] [--overlay]
import { openBackend } from '../src/ts/backend/open.js';
import { readRgb } from '../src/ts/data/image.js';
import { explainImage } from '../src/ts/explain/pipeline.js';
import { renderExplainOverlay, renderText } from '../src/ts/explain/index.js';
import { closePipeline, openPipeline } from '../src/ts/predict/pipeline.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.indexOf(`--${name}`);
const runs = flag('runs') >= 0 ? Number(args[flag('runs') + 1]) : 10;
const overlay = flag('overlay') >= 0;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? 'examples/ISIC_0014722.jpg';

const be = await openBackend('native');
const p = openPipeline(be);
const once = async () => {
  const t = performance.now();
  const image = await readRgb(file);
  const ex = await explainImage(p, file, image, null, { overlay });
  renderText(ex.report);
  if (overlay && ex.overlay) await renderExplainOverlay(ex.overlay, ex.report);
  return performance.now() - t;
};
await once();
const times: number[] = [];
for (let i = 0; i < runs; i++) times.push(await once());
times.sort((a, b) => a - b);
console.log(`explain ${file}${overlay ? ' with overlay' : ''}, warm, ${be.description}: median ${times[Math.floor(runs / 2)].toFixed(0)} ms, max ${times[runs - 1].toFixed(0)} ms over ${runs} runs`);
closePipeline(p);
await be.dispose();
