// onnxruntime-node peer of `cefm-native bench model` (inference only): the engine a user would pick
// for headless inference in Node. The model is an ONNX file exported by torch_model.py
// --export-onnx (torchvision's ViT, opset 14, dynamic batch); inputs are random non-zero float32,
// outputs are host arrays when `run` resolves. Median of --repeats runs after --warmup.
//
// node dist/bench/peers/onnxruntime.js --model vit.onnx --batch 8 --image-size 224 --threads 2
//                                      [--ep cpu|webgpu] [--repeats 5] [--warmup 1]
// Prints one JSON object (the fields of `bench model --json` that apply).
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

export interface OrtResult {
  backend: string;
  device: string;
  batch: number;
  image_size: number;
  threads: number;
  repeats: number;
  warmup: number;
  inference_ms: number;
  inference_images_per_s: number;
  peak_rss_mb: number;
}

function randomNonZero(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.random() < 0.5 ? 1 : -1) * (0.05 + 0.95 * Math.random());
  return out;
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      model: { type: 'string' }, batch: { type: 'string', default: '8' }, 'image-size': { type: 'string', default: '224' },
      threads: { type: 'string', default: '2' }, ep: { type: 'string', default: 'cpu' },
      repeats: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' },
    },
  });
  if (!v.model) throw new Error('onnxruntime peer: --model <file.onnx> is required');
  if (v.ep !== 'cpu' && v.ep !== 'webgpu') throw new Error(`onnxruntime peer: --ep must be cpu or webgpu, got '${v.ep}'`);
  const [batch, size, threads, repeats, warmup] = [v.batch, v['image-size'], v.threads, v.repeats, v.warmup].map(Number);
  const ort = await import('onnxruntime-node');
  const version = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  const session = await ort.InferenceSession.create(v.model, {
    executionProviders: [v.ep], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', randomNonZero(batch * 3 * size * size), [batch, 3, size, size]) };
  const run = async () => {
    const out = await session.run(feeds);
    for (const t of Object.values(out)) if (!(t.data as Float32Array).length) throw new Error('onnxruntime peer: empty output');
  };
  for (let i = 0; i < warmup; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const med = ms.length % 2 ? ms[(ms.length - 1) / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
  await session.release();
  const r: OrtResult = {
    backend: `onnxruntime-${v.ep}`, device: `onnxruntime-node ${version} ${v.ep} EP (${threads} intra-op threads)`,
    batch, image_size: size, threads, repeats, warmup,
    inference_ms: med, inference_images_per_s: (batch * 1000) / med,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
});
