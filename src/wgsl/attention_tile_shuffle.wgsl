// tileRow for adapters with subgroups of at least 8 lanes (attention_common): lane i of each
// group of 8 reads values i and 8 + i, and every lane receives all TILE = 16 by shuffles.
var<private> LANE: u32;

fn setLane(lane: u32) {
  LANE = lane % 8u;
}

fn tileRow(t: u32) -> array<f32, TILE> {
  let lo = f32(tile[t + LANE]);
  let hi = f32(tile[t + 8u + LANE]);
  var r: array<f32, TILE>;
  for (var j = 0u; j < 8u; j++) {
    r[j] = subgroupShuffle(lo, j);
    r[j + 8u] = subgroupShuffle(hi, j);
  }
  return r;
}
