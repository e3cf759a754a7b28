/** Runs measured on the rows the user reviewed: agreement of out-of-fold predictions with reviewed labels, before and after. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentState } from '../../src/core/labels/documentState';
import { ReviewQueries } from '../../src/core/reviewQueries';
import { dataset } from '../helpers';
import { seededAnalysis } from '../seededAnalysis';

test('the trusted set is the reviewed rows; agreement is counted on them, with its standard error', () => {
  const st = new DocumentState(dataset('toutiao_news_20k'));
  const model = new ReviewQueries(st);
  const before = seededAnalysis(st, 7);
  model.setAnalysis(before);
  assert.equal(model.trustedAgreement(before), undefined, 'nothing reviewed yet');
  const q = { offset: 0, limit: 40, sort: 'suspicion' as const, descending: true, filter: { flagged: true }, snapshot: 0 };
  const rows = model.page(q).rows.map((r) => r.row);
  // Relabel 30 suspects to their suggestion, accept 10 as they are.
  st.apply(model.applySuggestion(rows.slice(0, 30)));
  st.apply(model.accept(rows.slice(30)));
  model.edited();
  const trusted = model.trustedRows();
  assert.deepEqual([...trusted.rows].sort((a, b) => a - b), [...rows].sort((a, b) => a - b));
  // A retrain whose predictions agree with every reviewed label, and the analysis agrees only with the relabeled ones.
  const K = model.classes.length;
  const after = seededAnalysis(st, 8);
  const c = after.arrays.consensus;
  trusted.rows.forEach((r, j) => { for (let k = 0; k < K; k++) c[r * K + k] = k === trusted.labels[j] ? 0.9 : 0.1 / (K - 1); });
  const m = model.trustedAgreement(after)!;
  assert.equal(m.rows, 40);
  assert.equal(m.after, 1);
  assert.equal(m.before, 30 / 40, 'the analysis suggested the 30 relabels and disagreed with the 10 accepted labels');
  assert.ok(Math.abs(m.seBefore - Math.sqrt(0.75 * 0.25 / 40)) < 1e-12);
  assert.equal(m.seAfter, 0);
});
