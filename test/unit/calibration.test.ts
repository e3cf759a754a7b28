/** Temperature scaling against the given labels: a fitted T makes over- and under-confident probabilities honest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrated, fitTemperature } from '../../src/core/signals/calibration';
import { Random } from '../../src/core/random';

/** Rows whose true class has probability q of being the label; the model reports p = q sharpened (power 3) or flattened (power 1/3). */
function synthetic(power: number, n = 4000, K = 4, seed = 3) {
  const rnd = new Random(seed);
  const soft = new Float32Array(n * K), labels = new Int32Array(n);
  const honest: number[][] = [];
  for (let i = 0; i < n; i++) {
    const top = rnd.int(K);
    const q = 0.4 + 0.55 * rnd.next();
    const p = Array.from({ length: K }, (_, k) => (k === top ? q : (1 - q) / (K - 1)));
    honest.push(p);
    // The label is drawn from the honest distribution.
    let u = rnd.next(), y = 0;
    while (y < K - 1 && (u -= p[y]) > 0) y++;
    labels[i] = y;
    const reported = calibrated(p, 1 / power);
    reported.forEach((v, k) => { soft[i * K + k] = v; });
  }
  return { soft, labels, honest, K };
}

test('the fitted temperature undoes over- and under-confidence', () => {
  for (const power of [3, 1 / 3]) {
    const { soft, labels, honest, K } = synthetic(power);
    const T = fitTemperature(soft, labels, K);
    assert.ok(Math.abs(T - power) / power < 0.15, `power ${power}: T = ${T.toFixed(3)}`);
    // Calibrated probabilities are close to the honest ones, far closer than the reported ones.
    let before = 0, after = 0;
    for (let i = 0; i < 500; i++) {
      const row = soft.subarray(i * K, i * K + K);
      const c = calibrated(row, T);
      for (let k = 0; k < K; k++) { before += Math.abs(row[k] - honest[i][k]); after += Math.abs(c[k] - honest[i][k]); }
    }
    assert.ok(after < before / 3, `error ${before.toFixed(1)} → ${after.toFixed(1)}`);
  }
});

test('calibration keeps the order of classes in a row and sums to one', () => {
  const c = calibrated([0.7, 0.2, 0.1], 2.5);
  assert.ok(c[0] > c[1] && c[1] > c[2]);
  assert.ok(Math.abs(c.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.equal(fitTemperature(new Float32Array(6), [0, 1], 3), 1, 'too few rows: no fit');
});
