// Index helpers of the per-axis table kernels (pool.wgsl, upsample.wgsl), spliced in through the
// ${PLANE_GRID} define: x [planes, H, W] -> y [planes, OH, OW], one thread per element of a
// grid1d dispatch of 256-thread workgroups. The including shader declares binv, its inverse
// table: 2 u32 per input index, the range [first, end) of output indices that read it, H rows
// then W columns.

struct Params {
  total: u32, H: u32, W: u32, OH: u32,
  OW: u32, _a: u32, _b: u32, _c: u32,
}

fn elementIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * 256u + lid;
}

// Output element e: its column and row, and the offset of its input plane.
struct OutputPos { x: u32, y: u32, inputBase: u32 }

fn outputPos(e: u32, p: Params) -> OutputPos {
  return OutputPos(e % p.OW, (e / p.OW) % p.OH, (e / (p.OW * p.OH)) * p.H * p.W);
}

// Input element e: its column and row, its plane, and the ranges [first, end) of output rows
// and columns that read it (from binv).
struct InputPos { x: u32, y: u32, plane: u32, rows: vec2<u32>, cols: vec2<u32> }

fn inputPos(e: u32, p: Params) -> InputPos {
  let x = e % p.W;
  let y = (e / p.W) % p.H;
  return InputPos(x, y, e / (p.W * p.H), readers(y), readers(p.H + x));
}

fn readers(i: u32) -> vec2<u32> {
  return vec2<u32>(binv[2u * i], binv[2u * i + 1u]);
}
