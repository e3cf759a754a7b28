/**
 * K-fold cross-validation: stratified folds, one trainer per fold (in parallel workers when asked),
 * and the fold outputs gathered into per-row arrays in file order.
 */
import { Random } from '../core/random';
import type { FoldInput, FoldOutput } from './trainFold';

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

export interface CrossValResult {
  K: number;
  epochs: number;
  student: Float32Array;
  ema: Float32Array;
  teacher?: Float32Array;
  pi?: Float32Array;
  piDisagree: Uint8Array;
  piSpread: Float32Array;
  flips: Uint8Array;
  /** p(given) per epoch: epochs × N (NaN for rows never held out). */
  history: Float32Array;
  foldLoss: number[][];
  foldAccuracy: number[][];
  backend: string;
  model: string;
}

export type FoldRunner = (input: FoldInput) => Promise<FoldOutput>;

/** Runs every fold through `run`, at most `parallel` at once, and gathers the outputs. */
export async function crossValidate(base: Omit<FoldInput, 'fold'>, run: FoldRunner, parallel: number): Promise<CrossValResult> {
  const { classes: K, labels, options } = base;
  const N = labels.length;
  const folds = options.folds;
  const outputs: FoldOutput[] = [];
  let next = 0;
  const lane = async () => {
    while (next < folds) {
      const fold = next++;
      outputs.push(await run({ ...base, fold }));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, folds)) }, lane));
  outputs.sort((a, b) => a.fold - b.fold);

  const E = options.epochs;
  const res: CrossValResult = {
    K, epochs: E,
    student: new Float32Array(N * K), ema: new Float32Array(N * K),
    teacher: outputs.every((o) => o.teacher) ? new Float32Array(N * K) : undefined,
    pi: outputs.every((o) => o.pi) ? new Float32Array(N * K) : undefined,
    piDisagree: new Uint8Array(N), piSpread: new Float32Array(N), flips: new Uint8Array(N),
    history: new Float32Array(E * N).fill(NaN),
    foldLoss: outputs.map((o) => o.epochLoss), foldAccuracy: outputs.map((o) => o.epochAccuracy),
    backend: outputs[0]?.backend ?? 'none',
    model: outputs[0]?.model ?? 'none',
  };
  for (const o of outputs) {
    const H = o.held.length;
    for (let i = 0; i < H; i++) {
      const r = o.held[i];
      res.student.set(o.student.subarray(i * K, i * K + K), r * K);
      res.ema.set(o.ema.subarray(i * K, i * K + K), r * K);
      if (res.teacher) res.teacher.set(o.teacher!.subarray(i * K, i * K + K), r * K);
      if (res.pi) res.pi.set(o.pi!.subarray(i * K, i * K + K), r * K);
      res.piDisagree[r] = o.piDisagree[i];
      res.piSpread[r] = o.piSpread[i];
      res.flips[r] = o.flips[i];
      for (let e = 0; e < E; e++) res.history[e * N + r] = o.history[e * H + i];
    }
    // Unlabeled rows: the mean of every fold's prediction.
    for (let i = 0; i < o.unlabeled.length; i++) {
      const r = o.unlabeled[i];
      for (let k = 0; k < K; k++) {
        const v = o.unlabeledProbs[i * K + k] / folds;
        res.student[r * K + k] += v;
        res.ema[r * K + k] += v;
        if (res.teacher) res.teacher[r * K + k] += v;
        if (res.pi) res.pi[r * K + k] += v;
      }
    }
  }
  return res;
}
