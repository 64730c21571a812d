// ROC AUC and its bootstrap interval, shared by the ABC benches.

/** Area under the ROC curve: the probability that a positive scores above a negative (ties count half). */
export function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = (i + j) / 2 + 1; // average rank of a tie
    i = j + 1;
  }
  const pos = labels.filter((l) => l === 1).length, neg = labels.length - pos;
  const rankSum = ranks.reduce((s, r, i) => s + (labels[i] === 1 ? r : 0), 0);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Percentile bootstrap interval of the AUC, resampling positives and negatives separately (seeded). */
export function bootstrapInterval(scores: number[], labels: number[], rounds = 2000): [number, number] {
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pos = scores.flatMap((s, i) => (labels[i] ? [s] : [])), neg = scores.flatMap((s, i) => (labels[i] ? [] : [s]));
  const pick = (a: number[]) => a.map(() => a[Math.floor(random() * a.length)]);
  const aucs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const p = pick(pos), n = pick(neg);
    aucs.push(rocAuc([...p, ...n], [...p.map(() => 1), ...n.map(() => 0)]));
  }
  aucs.sort((a, b) => a - b);
  return [aucs[Math.floor(0.025 * rounds)], aucs[Math.floor(0.975 * rounds)]];
}
