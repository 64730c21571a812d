// The fused attention kernels (src/wgsl/attention.wgsl, attention_backward.wgsl): one dispatch
// forward; backward as row statistics, then dq (one row per invocation) and dk, dv (one key per
// invocation), all recomputing the probabilities tile by tile.
import { CefmError } from '../../../errors.js';
import { attentionGeometry, type AttentionGeometry } from '../../../ops/attention.js';
import { wgslSource } from '../pipelines.js';
import { grid1d, packUniforms, type GpuKernel, type KernelContext } from '../kernel.js';

/** Query rows (forward, dq) or keys (dk, dv) per workgroup: four per invocation (attention_common.wgsl). */
const ROWS = 256;
/** Most rows of k, v (or q, dy) staged per tile; fewer when D is large. A multiple of 4. */
const MAX_TILE = 32;

/** Tile length (a multiple of 4) whose staged rows, `width` vec4s of `bytes`-sized elements each, fit workgroup memory. */
function tileRows(ctx: KernelContext, width4: number, bytes: number): number {
  const budget = Math.min(ctx.device.limits.maxComputeWorkgroupStorageSize, 16384);
  let rows = MAX_TILE;
  while (rows > 4 && rows * width4 * 4 * bytes > budget) rows >>= 1;
  if (rows * width4 * 4 * bytes > budget) {
    throw new CefmError(`attention: feature sizes too large for the WebGPU kernels (4 rows of ${4 * width4} values exceed ${budget} bytes of workgroup memory)`);
  }
  return rows;
}

function vec4s(n: number): number {
  return Math.ceil(n / 4);
}

/** The text substitutions of the shaders: sizes, tile length and tile storage type. */
function shaderDefines(ctx: KernelContext, g: AttentionGeometry, tileWidth4: number): Record<string, string> {
  const f16 = ctx.f16;
  return {
    COMMON: wgslSource('attention_common'), // first: the shared text holds the other placeholders
    ENABLE: f16 ? 'enable f16;' : '',
    T: f16 ? 'f16' : 'f32',
    D: String(g.D),
    DV: String(g.Dv),
    BC: String(tileRows(ctx, tileWidth4, f16 ? 2 : 4)),
  };
}

export const attention: GpuKernel = (ctx, [q, k, v], [out], attrs) => {
  const g = attentionGeometry([q.shape, k.shape, v.shape]);
  const rowTiles = Math.ceil(g.L / ROWS);
  ctx.dispatch({
    pipeline: { shader: 'attention', defines: shaderDefines(ctx, g, vec4s(g.D) + vec4s(g.Dv)) },
    buffers: [q.buffer, k.buffer, v.buffer, out.buffer],
    uniforms: packUniforms([{ u: g.bh }, { u: g.L }, { u: g.S }, { u: rowTiles }, { f: attrs.scale as number }, { u: vec4s(g.D) }, { u: vec4s(g.Dv) }, { u: 0 }]),
    workgroups: grid1d(g.bh * rowTiles),
  });
};
