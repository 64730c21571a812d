// Workgroup-wide reductions, spliced into reduce, softmax, layer_norm, losses and nt_xent.wgsl through
// the ${WORKGROUP_REDUCE} define (WGSL has no includes). The workgroup has WG invocations (a power
// of two, at most 256); every invocation of the workgroup must make the call (barriers inside).

override WG: u32 = 256u;

var<workgroup> wgPartial: array<f32, 256>;

fn workgroupSum(v: f32, lid: u32) -> f32 {
  wgPartial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { wgPartial[lid] = wgPartial[lid] + wgPartial[lid + s]; }
    workgroupBarrier();
  }
  let total = wgPartial[0];
  workgroupBarrier();
  return total;
}

fn workgroupMax(v: f32, lid: u32) -> f32 {
  wgPartial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { wgPartial[lid] = max(wgPartial[lid], wgPartial[lid + s]); }
    workgroupBarrier();
  }
  let total = wgPartial[0];
  workgroupBarrier();
  return total;
}

// The flat index of this workgroup in a grid1d dispatch.
fn workgroupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}
