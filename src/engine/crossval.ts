/**
 * K-fold cross-validation: stratified folds (duplicate groups kept whole), one trainer per fold (in parallel workers when asked),
 * and the fold outputs gathered into per-row arrays in file order.
 */
import { inLanes } from '../core/lanes';
import { Random } from '../core/random';
import type { FoldInput, FoldOutput } from './trainFold';
import { RepresentationGatherer, type Representation } from './representation';

/** Stratified fold of each labeled row (−1 for rows with no label): each class spread evenly. */
export function stratifiedFolds(labels: Int32Array, K: number, folds: number, seed: number): Int8Array {
  const out = new Int8Array(labels.length).fill(-1);
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) byClass[labels[i]].push(i);
  const rng = new Random(seed);
  let offset = 0;
  for (const rows of byClass) {
    rng.shuffle(rows);
    rows.forEach((r, j) => { out[r] = (offset + j) % folds; });
    offset = (offset + rows.length) % folds;
  }
  return out;
}

/**
 * Stratified K-fold that keeps groups whole (scikit-learn's StratifiedGroupKFold, greedy): every row
 * of a duplicate group lands in the same fold, so no row is predicted by a model that trained on its
 * copy, and classes stay as evenly spread as the groups allow. `group[i]` ≥ 0 names row i's group,
 * −1 a row on its own. Groups of two or more rows go first, largest first (ties in seeded order),
 * each to the fold where its classes are least represented so far; then the rows on their own fill
 * each class's folds up evenly. Without any group the split is exactly `stratifiedFolds`'.
 * Pure: a function of labels, groups, K, folds and seed only.
 */
export function groupStratifiedFolds(labels: Int32Array, group: Int32Array | undefined, K: number, folds: number, seed: number): Int8Array {
  const N = labels.length;
  const members = new Map<number, number[]>();
  if (group) for (let i = 0; i < N; i++) if (group[i] >= 0 && labels[i] >= 0) { const m = members.get(group[i]); if (m) m.push(i); else members.set(group[i], [i]); }
  const multi = [...members.values()].filter((m) => m.length > 1);
  if (multi.length === 0) return stratifiedFolds(labels, K, folds, seed);
  const out = new Int8Array(N).fill(-1);
  const rng = new Random(seed);
  const total = new Float64Array(K);
  for (let i = 0; i < N; i++) if (labels[i] >= 0) total[labels[i]]++;
  const count = Array.from({ length: folds }, () => new Float64Array(K));
  const size = new Float64Array(folds);
  rng.shuffle(multi);
  multi.sort((a, b) => b.length - a.length); // stable: equal sizes keep the seeded order
  for (const m of multi) {
    let best = 0, bestEval = Infinity;
    for (let f = 0; f < folds; f++) {
      let e = 0;
      for (const r of m) e += count[f][labels[r]] / total[labels[r]];
      if (e < bestEval - 1e-12 || (Math.abs(e - bestEval) <= 1e-12 && size[f] < size[best])) { best = f; bestEval = e; }
    }
    for (const r of m) { out[r] = best; count[best][labels[r]]++; size[best]++; }
  }
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < N; i++) if (labels[i] >= 0 && out[i] < 0) byClass[labels[i]].push(i);
  for (let k = 0; k < K; k++) {
    const rows = byClass[k];
    rng.shuffle(rows);
    for (const r of rows) {
      let best = 0;
      for (let f = 1; f < folds; f++) if (count[f][k] < count[best][k] || (count[f][k] === count[best][k] && size[f] < size[best])) best = f;
      out[r] = best; count[best][k]++; size[best]++;
    }
  }
  return out;
}

export interface CrossValResult {
  K: number;
  epochs: number;
  student: Float32Array;
  ema: Float32Array;
  teacher?: Float32Array;
  pi?: Float32Array;
  /** Stochastic passes that disagree with the given label, out of `piPasses` (all repeats). */
  piDisagree: Uint8Array;
  piPasses: number;
  piSpread: Float32Array;
  flips: Uint8Array;
  /** p(given) per epoch: epochs × N (NaN for rows never held out). */
  history: Float32Array;
  foldLoss: number[][];
  foldAccuracy: number[][];
  backend: string;
  model: string;
  /** Each row's learned out-of-fold representation, when the model has one (see ./representation). */
  representation?: Representation;
}

export type FoldRunner = (input: FoldInput) => Promise<FoldOutput>;

/** The fold split of repeat r: repeat 0 is the split of a run without repeats. */
export function foldsOfRepeat(labels: Int32Array, K: number, folds: number, seed: number, repeat: number, group?: Int32Array): Int8Array {
  return groupStratifiedFolds(labels, group, K, folds, seed + repeat * 7919);
}

/** The fold split of every repeat: the one assignment `analyze` and a plan's jobs (src/engine/fanout) use. */
export function foldAssignment(base: Pick<FoldInput, 'classes' | 'labels' | 'options'>, group?: Int32Array): Int8Array[] {
  const { folds, repeats, seed } = base.options;
  return Array.from({ length: repeats }, (_, r) => foldsOfRepeat(base.labels, base.classes, folds, seed, r, group));
}

/**
 * Runs every fold of every repeat through `run`, at most `parallel` at once (a lane moves on to the
 * next repeat's folds without waiting), and gathers the outputs as they come: each is added in
 * (repeat, fold) order — an early finisher waits in `pending` for the folds before it — and let go,
 * so the sums are gatherFolds' to the bit while at most about `parallel` outputs are alive at once
 * (at 1M rows all five at once were ~360 MB of the engine's peak).
 */
export async function crossValidate(base: Omit<FoldInput, 'fold' | 'repeat' | 'foldOf'>, run: FoldRunner, parallel: number, group?: Int32Array): Promise<CrossValResult> {
  const { folds, repeats } = base.options;
  const splits = foldAssignment(base, group);
  const gather = new FoldGatherer(base);
  const pending = new Map<number, FoldOutput>();
  let added = 0;
  await inLanes(repeats * folds, parallel, async (t) => {
    const repeat = Math.floor(t / folds);
    pending.set(t, await run({ ...base, fold: t % folds, repeat, foldOf: splits[repeat] }));
    for (let o = pending.get(added); o; o = pending.get(added)) { pending.delete(added++); gather.add(o); }
  });
  return gather.finish();
}

/**
 * The outputs of every fold of every repeat (in any order) as per-row arrays in file order: each
 * row's out-of-fold predictions averaged over the repeats, Π-model disagreements summed. Shared by
 * crossValidate and the merge of a plan's jobs, so both add the same numbers in the same order.
 */
export function gatherFolds(base: Pick<FoldInput, 'classes' | 'labels' | 'options'>, unsorted: FoldOutput[]): CrossValResult {
  const { folds, repeats } = base.options;
  if (unsorted.length !== folds * repeats) throw new Error(`gatherFolds: ${unsorted.length} fold outputs, expected ${folds * repeats}`);
  const gather = new FoldGatherer(base);
  for (const o of [...unsorted].sort((a, b) => a.repeat - b.repeat || a.fold - b.fold)) gather.add(o);
  return gather.finish();
}

/** gatherFolds one output at a time; outputs must come in (repeat, fold) order. */
class FoldGatherer {
  private readonly res: CrossValResult;
  private readonly flips: Float32Array;
  private readonly representation: RepresentationGatherer;
  private count = 0;

  constructor(private readonly base: Pick<FoldInput, 'classes' | 'labels' | 'options'>) {
    const { classes: K, labels, options } = base;
    const N = labels.length;
    const E = options.epochs;
    this.res = {
      K, epochs: E,
      student: new Float32Array(N * K), ema: new Float32Array(N * K),
      // Made at the first output when it has them, dropped when any output lacks them.
      teacher: undefined, pi: undefined,
      piDisagree: new Uint8Array(N), piPasses: options.piPasses * options.repeats, piSpread: new Float32Array(N), flips: new Uint8Array(N),
      history: new Float32Array(E * N).fill(NaN),
      foldLoss: [], foldAccuracy: [], backend: 'none', model: 'none',
    };
    this.flips = new Float32Array(N);
    this.representation = new RepresentationGatherer(N);
  }

  add(o: FoldOutput): void {
    const { res, flips } = this;
    const { classes: K, labels, options } = this.base;
    const N = labels.length;
    const E = options.epochs;
    const { folds, repeats } = options;
    if (this.count === 0) {
      res.backend = o.backend; res.model = o.model;
      if (o.teacher) res.teacher = new Float32Array(N * K);
      if (o.pi) res.pi = new Float32Array(N * K);
    }
    this.count++;
    if (!o.teacher) res.teacher = undefined;
    if (!o.pi) res.pi = undefined;
    res.foldLoss.push(o.epochLoss);
    res.foldAccuracy.push(o.epochAccuracy);
    this.representation.add(o);
    const w = 1 / repeats;
    const add = (dst: Float32Array, src: Float32Array, from: number, to: number, scale: number) => {
      for (let k = 0; k < K; k++) dst[to * K + k] += scale * src[from * K + k];
    };
    const H = o.held.length;
    for (let i = 0; i < H; i++) {
      const r = o.held[i];
      add(res.student, o.student, i, r, w);
      add(res.ema, o.ema, i, r, w);
      if (res.teacher) add(res.teacher, o.teacher!, i, r, w);
      if (res.pi) add(res.pi, o.pi!, i, r, w);
      res.piDisagree[r] += o.piDisagree[i];
      res.piSpread[r] += w * o.piSpread[i];
      flips[r] += w * o.flips[i];
      // Outputs come sorted by repeat: repeat 0 replaces the NaN placeholder, later ones add to it.
      for (let e = 0; e < E; e++) {
        const v = w * o.history[e * H + i];
        res.history[e * N + r] = o.repeat === 0 ? v : res.history[e * N + r] + v;
      }
    }
    // Unlabeled rows: the mean of every fold's prediction.
    const u = w / folds;
    for (let i = 0; i < o.unlabeled.length; i++) {
      const r = o.unlabeled[i];
      add(res.student, o.unlabeledProbs, i, r, u);
      add(res.ema, o.unlabeledProbs, i, r, u);
      if (res.teacher) add(res.teacher, o.unlabeledProbs, i, r, u);
      if (res.pi) add(res.pi, o.unlabeledProbs, i, r, u);
    }
  }

  finish(): CrossValResult {
    const { res, flips } = this;
    const { folds, repeats } = this.base.options;
    if (this.count !== folds * repeats) throw new Error(`gatherFolds: ${this.count} fold outputs, expected ${folds * repeats}`);
    for (let i = 0; i < flips.length; i++) res.flips[i] = Math.round(flips[i]);
    res.representation = this.representation.finish();
    return res;
  }
}
