/**
 * Label evidence from a row's duplicates. The folds keep each group of exact and near copies whole
 * (engine/crossval), so no copy is predicted by a model that trained on another: a label repeated
 * wrongly on every copy is not memorised. The price is that the model no longer hears what the other
 * copies say, though a copy's label is the most direct evidence there is about a row's (it is the
 * row's nearest neighbour). This puts it back, after training, in the groups whose labels conflict:
 * every other member's given label counts as `weight` of a model vote in the row's distribution,
 *   p'_k = (p_k + w · #{other members labelled k}) / (1 + w · #other members),
 * so a row whose copies disagree with it, and whose model also disagrees, rises. A group whose
 * members all carry one label is left alone: a label repeated on every copy is one decision copied,
 * not independent votes (a file repeated 13 times with the same wrong labels must not hide them).
 * Measured on the shared datasets with injected noise (bench/RESULTS.md).
 */

/** Each other copy's label counts as half a model vote (see bench/RESULTS.md for 0.5 against 1 and 2). */
export const DUPLICATE_LABEL_WEIGHT = 0.5;

/**
 * `group[i]` ≥ 0 names row i's duplicate group (−1 = none); labels < 0 neither vote nor change.
 * `inPlace`: `p` is the caller's own (a fresh consensus) and is changed instead of copied (1M rows × K:
 * 60 MB less at scoring); each row's new values depend only on its own old ones and its group's counts.
 */
export function withDuplicateLabels(p: Float32Array, labels: Int32Array, group: Int32Array | undefined, K: number, weight: number, inPlace = false): Float32Array {
  if (!group || weight <= 0) return p;
  const members = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (group[i] < 0 || labels[i] < 0) continue;
    const m = members.get(group[i]);
    if (m) m.push(i); else members.set(group[i], [i]);
  }
  const out = inPlace ? p : Float32Array.from(p);
  const counts = new Float64Array(K);
  for (const m of members.values()) {
    if (m.length < 2) continue;
    counts.fill(0);
    let distinct = 0;
    for (const r of m) if (counts[labels[r]]++ === 0) distinct++;
    if (distinct < 2) continue;
    const norm = 1 / (1 + weight * (m.length - 1));
    for (const r of m) {
      for (let k = 0; k < K; k++) out[r * K + k] = (p[r * K + k] + weight * (counts[k] - (labels[r] === k ? 1 : 0))) * norm;
    }
  }
  return out;
}
