/**
 * umap-js's layout epochs (`UMAP.optimizeLayoutStep`) over one Float64Array instead of an array of
 * arrays per point: the same arithmetic in the same order with the same random draws, so the same
 * embedding bit for bit (test/unit/umapLayout.test.ts checks it against umap-js's own steps).
 * Profiled on 1,000 sampled rows (sms_spam-sized map), umap-js's step was over half of the map's
 * time: each edge reads two small arrays through `rDist` and `clip` calls and allocates nothing but
 * still pays for the indirection; here the two coordinates are locals.
 */

/** The part of umap-js's `optimizationState` the layout reads (set by `initializeFit`). */
export interface UmapOptimizationState {
  head: number[];
  tail: number[];
  headEmbedding: number[][];
  tailEmbedding: number[][];
  epochsPerSample: number[];
  epochOfNextSample: number[];
  epochOfNextNegativeSample: number[];
  epochsPerNegativeSample: number[];
  moveOther: boolean;
  initialAlpha: number;
  alpha: number;
  gamma: number;
  a: number;
  b: number;
  dim: number;
  nEpochs: number;
  nVertices: number;
  currentEpoch: number;
}

const clip = (x: number) => (x > 4 ? 4 : x < -4 ? -4 : x);

export class TypedLayout {
  private readonly emb: Float64Array;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly eps: Float64Array;
  private readonly next: Float64Array;
  private readonly nextNeg: Float64Array;
  private readonly epsNeg: Float64Array;

  /** Whether the state is one this layout reproduces (2-D, head and tail the same points, as a plain fit makes). */
  static fits(s: UmapOptimizationState | undefined): s is UmapOptimizationState {
    return !!s && s.dim === 2 && s.moveOther && s.headEmbedding === s.tailEmbedding && Array.isArray(s.head) && s.head.length === s.epochsPerSample.length;
  }

  constructor(private readonly s: UmapOptimizationState, private readonly random: () => number) {
    const n = s.headEmbedding.length;
    this.emb = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) { this.emb[2 * i] = s.headEmbedding[i][0]; this.emb[2 * i + 1] = s.headEmbedding[i][1]; }
    this.head = Int32Array.from(s.head);
    this.tail = Int32Array.from(s.tail);
    this.eps = Float64Array.from(s.epochsPerSample);
    this.next = Float64Array.from(s.epochOfNextSample);
    this.nextNeg = Float64Array.from(s.epochOfNextNegativeSample);
    this.epsNeg = Float64Array.from(s.epochsPerNegativeSample);
  }

  /** Epoch `n` (0-based), as `UMAP.optimizeLayoutStep(n)`. */
  step(n: number): void {
    const { emb, head, tail, eps, next, nextNeg, epsNeg, random } = this;
    const { a, b, gamma, nVertices } = this.s;
    const alpha = this.s.alpha;
    const bm1 = b - 1;
    for (let i = 0; i < eps.length; i++) {
      if (next[i] > n) continue;
      const j = 2 * head[i], k = 2 * tail[i];
      let dx = emb[j] - emb[k], dy = emb[j + 1] - emb[k + 1];
      let d2 = dx * dx + dy * dy;
      let g = 0;
      if (d2 > 0) {
        g = -2.0 * a * b * Math.pow(d2, bm1);
        g /= a * Math.pow(d2, b) + 1.0;
      }
      // Coordinate by coordinate, as umap-js does (a point's own edge moves it twice).
      let gd = clip(g * (emb[j] - emb[k]));
      emb[j] += gd * alpha;
      emb[k] += -gd * alpha;
      gd = clip(g * (emb[j + 1] - emb[k + 1]));
      emb[j + 1] += gd * alpha;
      emb[k + 1] += -gd * alpha;
      next[i] += eps[i];
      const nNeg = Math.floor((n - nextNeg[i]) / epsNeg[i]);
      for (let p = 0; p < nNeg; p++) {
        const o = 2 * Math.floor(random() * nVertices);
        dx = emb[j] - emb[o]; dy = emb[j + 1] - emb[o + 1];
        d2 = dx * dx + dy * dy;
        let g1 = 0.0;
        if (d2 > 0.0) {
          g1 = 2.0 * gamma * b;
          g1 /= (0.001 + d2) * (a * Math.pow(d2, b) + 1);
        } else if (j === o) continue;
        emb[j] += (g1 > 0.0 ? clip(g1 * (emb[j] - emb[o])) : 4.0) * alpha;
        emb[j + 1] += (g1 > 0.0 ? clip(g1 * (emb[j + 1] - emb[o + 1])) : 4.0) * alpha;
      }
      nextNeg[i] += nNeg * epsNeg[i];
    }
    this.s.alpha = this.s.initialAlpha * (1.0 - n / this.s.nEpochs);
    this.s.currentEpoch += 1;
  }

  /** The points, [x, y] per vertex. */
  embedding(): Float64Array {
    return this.emb;
  }
}
