// tileRow without subgroups (attention_common): every lane reads all TILE values.
fn setLane(lane: u32) {}

fn tileRow(t: u32) -> array<f32, TILE> {
  var r: array<f32, TILE>;
  for (var j = 0u; j < TILE; j++) { r[j] = f32(tile[t + j]); }
  return r;
}
