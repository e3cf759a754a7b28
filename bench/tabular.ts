/**
 * Tabular runs for the quality bench, generated at bench time (nothing shipped): scikit-learn's
 * bundled tables (iris, wine, breast cancer, digits; BSD-3-Clause, from the UCI repository) written
 * as CSV by the installed scikit-learn, plus one synthetic `make_classification` table, each with
 * 20% uniform label noise drawn here with a fixed seed: exactly round(0.2·n) rows, each given a label
 * drawn uniformly from the other classes (the peer's uniform-noise rule, ../shared/peer/RESULTS.md).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../src/core/random';
import { OUT } from './noisy';

export const TABULAR_RUNS = ['iris-uniform20', 'wine-uniform20', 'breast_cancer-uniform20', 'digits-uniform20', 'synthetic5k-uniform20'] as const;

const PY = `
import sys, numpy as np, sklearn.datasets as d
name, out = sys.argv[1], sys.argv[2]
if name == 'synthetic5k':
    X, y = d.make_classification(n_samples=5000, n_features=20, n_informative=8, n_redundant=4, n_classes=5, n_clusters_per_class=2, class_sep=1.0, random_state=0)
    names = ['c%d' % k for k in range(5)]
else:
    b = getattr(d, 'load_' + name)()
    X, y = b.data, b.target
    names = [str(n).replace(' ', '_') for n in b.target_names] if hasattr(b, 'target_names') else [str(k) for k in sorted(set(y))]
with open(out, 'w') as f:
    f.write('id,' + ','.join('f%d' % j for j in range(X.shape[1])) + ',label\\n')
    for i in range(X.shape[0]):
        f.write('%d,' % i + ','.join(repr(float(v)) for v in X[i]) + ',' + names[y[i]] + '\\n')
`;

export interface TabularRun { path: string; truth: Uint8Array; rows: number; classes: number }

/** The noisy CSV of one tabular run and which rows were flipped. */
export function tabularRun(run: string): TabularRun {
  const name = run.replace(/-uniform20$/, '');
  const dir = join(OUT, 'tabular');
  mkdirSync(dir, { recursive: true });
  const clean = join(dir, `${name}.csv`);
  if (!existsSync(clean)) {
    const r = spawnSync('/usr/bin/python3', ['-c', PY, name, clean], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`generating ${name} with scikit-learn failed: ${r.stderr}`);
  }
  const lines = readFileSync(clean, 'utf8').trimEnd().split('\n');
  const header = lines[0];
  const rows = lines.slice(1).map((l) => { const at = l.lastIndexOf(','); return { head: l.slice(0, at), label: l.slice(at + 1) }; });
  const classes = [...new Set(rows.map((r) => r.label))].sort();
  const rng = new Random(20);
  const order = Int32Array.from(rows.keys());
  rng.shuffle(order);
  const truth = new Uint8Array(rows.length);
  const flips = Math.round(0.2 * rows.length);
  for (let j = 0; j < flips; j++) truth[order[j]] = 1;
  const out = [header];
  rows.forEach((r, i) => {
    let label = r.label;
    if (truth[i]) { const others = classes.filter((c) => c !== r.label); label = others[rng.int(others.length)]; }
    out.push(`${r.head},${label}`);
  });
  const path = join(dir, `${run}.csv`);
  writeFileSync(path, out.join('\n') + '\n');
  return { path, truth, rows: rows.length, classes: classes.length };
}
