/**
 * Several models of different kinds trained side by side on the same fold, their probabilities
 * averaged: errors one model makes for its own reasons (a linear boundary, a neighbourhood) are not
 * the other's, so the average ranks label errors better than either (bench/RESULTS.md, ablation).
 */
import type { ClassifierModel, Mode, TrainBatch } from './types';

export class AverageModel implements ClassifierModel {
  readonly name: string;
  readonly hasTeacher = false;

  constructor(private readonly models: ClassifierModel[], private readonly weights: number[] = models.map(() => 1 / models.length)) {
    this.name = models.map((m) => m.name).join('+');
  }

  async trainEpoch(batch: TrainBatch): Promise<number> {
    let loss = 0;
    for (let m = 0; m < this.models.length; m++) loss += this.weights[m] * await this.models[m].trainEpoch(batch);
    return loss;
  }

  async predict(rows: ArrayLike<number>, mode: Mode, out: Float32Array): Promise<void> {
    out.fill(0, 0, out.length);
    const part = new Float32Array(out.length);
    for (let m = 0; m < this.models.length; m++) {
      await this.models[m].predict(rows, mode, part);
      for (let i = 0; i < out.length; i++) out[i] += this.weights[m] * part[i];
    }
  }

  dispose(): void {
    for (const m of this.models) m.dispose?.();
  }
}
