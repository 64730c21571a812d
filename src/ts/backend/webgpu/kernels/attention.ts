// The fused attention kernels (src/wgsl/attention.wgsl, attention_backward.wgsl): one dispatch
// forward; backward as row statistics, then dq (one row per invocation) and dk, dv (one key per
// invocation), all recomputing the probabilities tile by tile.
import { attentionGeometry, type AttentionGeometry } from '../../../ops/attention.js';
import { grid1d, packUniforms, type GpuKernel, type KernelContext } from '../kernel.js';

/** Query rows (forward, dq) or keys (dk, dv) per workgroup: one per invocation. */
const ROWS = 64;
/** Most rows of k, v (or q, dy) staged per tile; fewer when D is large. */
const MAX_TILE = 32;

/** Tile length whose staged rows (widths D + Dv in `bytes`-sized elements) fit workgroup memory. */
function tileRows(ctx: KernelContext, width: number, bytes: number): number {
  const budget = Math.min(ctx.device.limits.maxComputeWorkgroupStorageSize, 16384);
  let rows = MAX_TILE;
  while (rows > 1 && rows * width * bytes > budget) rows >>= 1;
  return rows;
}

/** The text substitutions of the shaders: sizes, tile length and tile storage type. */
function shaderDefines(ctx: KernelContext, g: AttentionGeometry, tileWidth: number): Record<string, string> {
  const f16 = ctx.f16;
  return {
    ENABLE: f16 ? 'enable f16;' : '',
    T: f16 ? 'f16' : 'f32',
    D: String(g.D),
    DV: String(g.Dv),
    BC: String(tileRows(ctx, tileWidth, f16 ? 2 : 4)),
  };
}

export const attention: GpuKernel = (ctx, [q, k, v], [out], attrs) => {
  const g = attentionGeometry([q.shape, k.shape, v.shape]);
  const rowTiles = Math.ceil(g.L / ROWS);
  ctx.dispatch({
    pipeline: { shader: 'attention', defines: shaderDefines(ctx, g, g.D + g.Dv) },
    buffers: [q.buffer, k.buffer, v.buffer, out.buffer],
    uniforms: packUniforms([{ u: g.bh }, { u: g.L }, { u: g.S }, { u: rowTiles }, { f: attrs.scale as number }, { u: 0 }, { u: 0 }, { u: 0 }]),
    workgroups: grid1d(g.bh * rowTiles),
  });
};
