/** A seeded stand-in for an analysis, for tests of the review's views that need an analysis but not a model. */
import type { DocumentState } from '../src/core/labels/documentState';
import type { Analysis } from '../src/core/reviewQueries';
import type { ResultArrays, Summary } from '../src/core/results';
import { Random } from '../src/core/random';

/** A seeded stand-in for an analysis of the file: a soft label per row, about a fifth flagged. */
export function seededAnalysis(st: DocumentState, seed = 7): Analysis {
  const ds = st.dataset;
  const classes = ds.classes;
  const K = classes.length, n = ds.rowCount;
  const rnd = new Random(seed);
  const consensus = new Float32Array(n * K), suspicion = new Float32Array(n), suggested = new Float32Array(n), flagged = new Float32Array(n), label = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = ds.labels[i];
    label[i] = y;
    const other = (Math.max(0, y) + 1 + rnd.int(K - 1)) % K;
    const wrong = rnd.next() < 0.2;
    const top = wrong ? other : Math.max(0, y);
    const p = 0.35 + 0.6 * rnd.next();
    for (let k = 0; k < K; k++) consensus[i * K + k] = k === top ? p : (1 - p) / (K - 1);
    suggested[i] = top;
    suspicion[i] = y >= 0 ? 1 - consensus[i * K + y] : Number.NaN;
    flagged[i] = wrong && y >= 0 ? 1 : 0;
  }
  const matrix = new Array<number>(K * K).fill(0);
  const predicted = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) if (ds.labels[i] >= 0) { matrix[ds.labels[i] * K + suggested[i]]++; predicted[suggested[i]]++; }
  const summary = {
    rows: n, classes, epochs: 0, piPasses: 0, matrix,
    classStats: classes.map((name, k) => ({ name, given: 0, predicted: predicted[k], ifSuggestionsApplied: 0, precision: matrix[k * K + k] / Math.max(1, predicted[k]), recall: 0.5, threshold: 0.5, flagged: 0 })),
  } as unknown as Summary;
  const none = new Float32Array(n);
  const arrays: ResultArrays = {
    consensus, student: consensus, ema: consensus, suspicion, suggested, flagged, label,
    selfConfidence: none, margin: none, piDisagree: none, piSpread: none, flips: none, history: new Float32Array(0),
  };
  return { summary, arrays };
}

