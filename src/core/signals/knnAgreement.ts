/**
 * k-NN label agreement on embeddings (after SimiFeat, Zhu, Dong & Liu 2022): a row whose nearest
 * neighbours mostly carry another label is suspicious, and no model has to be trained for it.
 * Each row gets the distribution of its k nearest labeled neighbours' labels (the row itself never
 * counts), smoothed towards uniform by one pseudo-vote, which joins the model's out-of-fold
 * predictions in the consensus that confident learning scores.
 */

/**
 * Neighbour label distribution per row: N×K row-major. `index` is N×k neighbour rows (−1 = none),
 * nearest first; neighbours with no label (< 0) do not vote.
 */
export function knnLabelDistribution(labels: Int32Array, K: number, index: Int32Array, k: number): Float32Array {
  const N = labels.length;
  const out = new Float32Array(N * K);
  for (let i = 0; i < N; i++) {
    let votes = 0;
    for (let j = 0; j < k; j++) {
      const r = index[i * k + j];
      if (r < 0 || r === i || labels[r] < 0) continue;
      out[i * K + labels[r]]++;
      votes++;
    }
    const prior = 1 / K;
    for (let c = 0; c < K; c++) out[i * K + c] = (out[i * K + c] + prior) / (votes + 1);
  }
  return out;
}

/** Share of a row's labeled neighbours that carry its label (NaN for unlabeled rows or none). */
export function knnAgreement(labels: Int32Array, index: Int32Array, k: number): Float32Array {
  const N = labels.length;
  const out = new Float32Array(N).fill(NaN);
  for (let i = 0; i < N; i++) {
    if (labels[i] < 0) continue;
    let same = 0, votes = 0;
    for (let j = 0; j < k; j++) {
      const r = index[i * k + j];
      if (r < 0 || r === i || labels[r] < 0) continue;
      votes++;
      if (labels[r] === labels[i]) same++;
    }
    if (votes) out[i] = same / votes;
  }
  return out;
}
