// The reduction core: Out[partial (o, g)] = scale · Σ over reduced positions r in chunk g of
// term(X[keptOffset(o) + reducedOffset(r)]). TERM: 0 x, 1 (x − shift[o])², 2 y·(x − shift[o])
// (y read at the same offsets as x). A reduction split in chunks is finished by a second pass over
// the partials. reduce_thread: one invocation per (o, g), for short or strided reductions, writes
// the partials as [chunks, outputs]; reduce_workgroup: one workgroup per (o, g), for long
// contiguous ones, writes them as [outputs, chunks].

override TERM: u32 = 0u;

struct Params {
  outputs: u32,
  count: u32,     // reduced positions per output
  chunk: u32,     // reduced positions per chunk
  chunks: u32,
  keptRank: u32,
  reducedRank: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read> shift: array<f32>;
@group(0) @binding(3) var<storage, read_write> Out: array<f32>;
// (size, stride) per dim, innermost first: the kept dims, then the reduced dims.
@group(0) @binding(4) var<storage, read> dims: array<u32>;
@group(0) @binding(5) var<uniform> p: Params;

${WORKGROUP_REDUCE}

// Offset of index `i` over `rank` dims stored from pair `first` on.
fn offsetOf(i: u32, first: u32, rank: u32) -> u32 {
  var rem = i;
  var off = 0u;
  for (var d = 0u; d < rank; d++) {
    let size = dims[2u * (first + d)];
    off += (rem % size) * dims[2u * (first + d) + 1u];
    rem = rem / size;
  }
  return off;
}

fn term(off: u32, c: f32) -> f32 {
  let x = X[off];
  switch TERM {
    case 0u: { return x; }
    case 1u: { return (x - c) * (x - c); }
    default: { return Y[off] * (x - c); }
  }
}

fn shiftOf(o: u32) -> f32 {
  if (TERM == 0u) { return 0.0; }
  return shift[o];
}

// Σ term over the reduced positions first, first + step, ... < last of the output at `base`. The
// innermost reduced dim is walked incrementally; the outer ones are decoded when it wraps.
fn sumPositions(base: u32, first: u32, last: u32, step: u32, c: f32) -> f32 {
  var L = 1u;
  var stride = 0u;
  var outerRank = 0u;
  if (p.reducedRank > 0u) {
    L = dims[2u * p.keptRank];
    stride = dims[2u * p.keptRank + 1u];
    outerRank = p.reducedRank - 1u;
  }
  var q = first / L;
  var i = first % L;
  var outer = base + offsetOf(q, p.keptRank + 1u, outerRank);
  var acc = 0.0;
  for (var r = first; r < last; r += step) {
    acc += term(outer + i * stride, c);
    i += step;
    if (i >= L) {
      q += i / L;
      i = i % L;
      outer = base + offsetOf(q, p.keptRank + 1u, outerRank);
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn reduce_thread(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = workgroupIndex(wid, nwg) * WG + lid.x;
  if (w >= p.outputs * p.chunks) { return; }
  // Neighbouring invocations take neighbouring outputs (coalesced reads of strided reductions).
  let o = w % p.outputs;
  let r0 = (w / p.outputs) * p.chunk;
  let acc = sumPositions(offsetOf(o, 0u, p.keptRank), r0, min(p.count, r0 + p.chunk), 1u, shiftOf(o));
  Out[w] = acc * p.scale;
}

@compute @workgroup_size(WG)
fn reduce_workgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = workgroupIndex(wid, nwg);
  if (w >= p.outputs * p.chunks) { return; }
  let o = w / p.chunks;
  let r0 = (w % p.chunks) * p.chunk;
  let acc = sumPositions(offsetOf(o, 0u, p.keptRank), r0 + lid.x, min(p.count, r0 + p.chunk), WG, shiftOf(o));
  let total = workgroupSum(acc, lid.x);
  if (lid.x == 0u) { Out[w] = total * p.scale; }
}
