/**
 * Property-based tests (fast-check) of the reader and the write path. Generated tables: CSV, TSV or
 * JSON Lines; UTF-8 (with or without a mark), GB18030, UTF-16 LE/BE with a mark; LF, CRLF or lone
 * CR; minimal or full quoting; a final newline or none; cells with delimiters, quotes, line breaks,
 * CJK, emoji, formula starts. Properties:
 *  - the reader gives back every generated cell;
 *  - after any sequence of relabel / smooth / accept / undo / redo / save, re-reading gives the
 *    labels (and the sidecar the soft targets and accepts) the sequence leaves, and every byte
 *    outside the label fields is the file's original byte.
 * A failure prints the seed and the shrunk case; replay with FC_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DocumentState, type EditBatch } from '../../src/core/labels/documentState';
import { readSidecar } from '../../src/core/labels/sidecar';
import { openDataset, type DatasetOptions } from '../../src/core/table/dataset';
import { encode, type EncodingName } from '../../src/core/table/encoding';
import { Table } from '../../src/core/table/table';

type Format = 'csv' | 'tsv' | 'jsonl';
type Enc = 'utf-8' | 'utf-8-bom' | 'gb18030' | 'utf-16le' | 'utf-16be';

interface Spec {
  format: Format;
  enc: Enc;
  eol: '\n' | '\r\n' | '\r';
  finalEol: boolean;
  quoteAll: boolean;
  classes: string[];
  rows: { id: string; text: string; label: number }[];
}

/** Characters that break naive readers and writers. */
const HOSTILE = [',', '\t', '"', '\n', '\r', ' ', "'", '=', '+', '-', '@', '{', '}', ':', '\\', 'a', 'Z', '7', '体', '育', '😀', 'é', '\u200b', ';'];
const cellArb = fc.array(fc.constantFrom(...HOSTILE), { maxLength: 12 }).map((a) => a.join(''));
/** Labels are read trimmed; a TSV label cannot hold a tab or a line break (the writer refuses). */
const labelArb = (format: Format) => fc.array(fc.constantFrom(...HOSTILE.filter((c) => format !== 'tsv' || !/[\t\r\n]/.test(c))), { minLength: 1, maxLength: 6 })
  .map((a) => a.join('').trim()).filter((s) => s.length > 0);

const specArb: fc.Arbitrary<Spec> = fc.constantFrom<Format>('csv', 'tsv', 'jsonl').chain((format) => fc.record({
  format: fc.constant(format),
  enc: fc.constantFrom<Enc>('utf-8', 'utf-8-bom', 'gb18030', 'utf-16le', 'utf-16be'),
  eol: fc.constantFrom<Spec['eol']>('\n', '\r\n', '\r'),
  finalEol: fc.boolean(),
  quoteAll: fc.boolean(),
  classes: fc.uniqueArray(labelArb(format), { minLength: 2, maxLength: 4 }),
  texts: fc.array(cellArb, { minLength: 2, maxLength: 10 }),
  labelPicks: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
}).map(({ texts, labelPicks, classes, ...rest }) => ({
  ...rest, classes,
  // Every class has a row (classes come from the file), then random ones.
  rows: [...classes.map((_, k) => k), ...texts.map((_, i) => labelPicks[i] % classes.length)].map((label, i) => ({ id: `r${i}`, text: texts[i % texts.length] ?? '', label })),
})));

function field(v: string, spec: Spec): string {
  const d = spec.format === 'tsv' ? '\t' : ',';
  const needs = spec.quoteAll || v.includes(d) || v.includes('"') || v.includes('\n') || v.includes('\r') || v !== v.trim() || v === '';
  return needs && !(v === '' && !spec.quoteAll) ? `"${v.replace(/"/g, '""')}"` : v;
}

function render(spec: Spec): Buffer {
  const lines: string[] = [];
  if (spec.format === 'jsonl') {
    for (const r of spec.rows) lines.push(spec.quoteAll ? `{"id": ${JSON.stringify(r.id)}, "text": ${JSON.stringify(r.text)}, "label": ${JSON.stringify(spec.classes[r.label])}}` : JSON.stringify({ id: r.id, text: r.text, label: spec.classes[r.label] }));
  } else {
    const d = spec.format === 'tsv' ? '\t' : ',';
    lines.push(['id', 'text', 'label'].map((h) => field(h, spec)).join(d));
    for (const r of spec.rows) lines.push([r.id, r.text, spec.classes[r.label]].map((v) => field(v, spec)).join(d));
  }
  const text = lines.join(spec.eol) + (spec.finalEol ? spec.eol : '');
  const name: EncodingName = spec.enc === 'utf-8-bom' ? 'utf-8' : spec.enc;
  const bom = spec.enc === 'utf-8-bom' ? '\ufeff' : spec.enc.startsWith('utf-16') ? '\ufeff' : '';
  if (spec.enc === 'utf-16be') {
    const le = encode(bom + text, 'utf-16le');
    for (let i = 0; i + 1 < le.length; i += 2) { const b = le[i]; le[i] = le[i + 1]; le[i + 1] = b; }
    return le;
  }
  return encode(bom + text, name);
}

/** Roles named; GB18030 named too (short GB18030 text can be valid UTF-8, so detection may not tell). */
const optionsFor = (spec: Spec): DatasetOptions => ({ id: 'id', text: 'text', label: 'label', encoding: spec.enc === 'gb18030' ? 'gb18030' : undefined });
const ext = (f: Format) => (f === 'jsonl' ? 'jsonl' : f);

/** The file's bytes with every label field cut out (the label spans of the file as it is). */
function outsideLabels(path: string, spec: Spec): Buffer {
  const ds = openDataset(path, optionsFor(spec));
  const t = ds.table as Table;
  const col = ds.roles.label!;
  const spans = [...Array(t.rowCount).keys()].flatMap((i) => (t.format === 'jsonl' ? t.jsonFieldSpans(i, col) : [t.fieldSpan(i, col)!])).sort((a, b) => a.start - b.start);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const s of spans) { parts.push(t.bytes.subarray(at, s.start)); at = s.end; }
  parts.push(t.bytes.subarray(at));
  return Buffer.concat(parts);
}

function withFile<T>(spec: Spec, run: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'label-lens-prop-'));
  try {
    const path = join(dir, `data.${ext(spec.format)}`);
    writeFileSync(path, render(spec));
    return run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = (n: number) => ({ numRuns: Number(process.env.FC_RUNS ?? n), seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined });

test('the reader gives back every generated cell, in any encoding, quoting and line ending', () => {
  fc.assert(fc.property(specArb, (spec) => withFile(spec, (path) => {
    const ds = openDataset(path, optionsFor(spec));
    assert.deepEqual(ds.problems.filter((p) => p.severity === 'error'), [], 'no damaged rows');
    assert.equal(ds.rowCount, spec.rows.length);
    spec.rows.forEach((r, i) => {
      assert.deepEqual(ds.table.row(i), [r.id, r.text, spec.classes[r.label]], `row ${i}`);
      assert.equal(ds.labelName(i), spec.classes[r.label]);
      assert.equal(ds.rowOf(r.id), i);
    });
  })), runs(150));
});

type Op =
  | { op: 'relabel'; row: number; to: number }
  | { op: 'smooth'; row: number; eps: number }
  | { op: 'accept'; row: number }
  | { op: 'undo' } | { op: 'redo' } | { op: 'save' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('relabel' as const), row: fc.nat(), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('smooth' as const), row: fc.nat(), eps: fc.constantFrom(0.1, 0.2, 0.3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('accept' as const), row: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ op: 'undo' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'redo' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'save' as const }) },
);

interface Expect { label: string; soft?: Record<string, number>; accepted: boolean }

test('any sequence of relabel / smooth / accept / undo / redo / save: re-reading gives the expected labels, and no byte outside a label field changes', () => {
  fc.assert(fc.property(specArb, fc.array(opArb, { minLength: 1, maxLength: 25 }), (spec, ops) => withFile(spec, (path) => {
    const OPTIONS = optionsFor(spec);
    const outside = outsideLabels(path, spec);
    const state = new DocumentState(path, OPTIONS);
    const n = spec.rows.length;
    // The model: what each row should be, kept beside the real undo/redo stacks the editor keeps.
    const model: Expect[] = spec.rows.map((r) => ({ label: spec.classes[r.label], accepted: false }));
    const undo: { batch: EditBatch; before: Expect[]; after: Expect[] }[] = [];
    const redo: typeof undo = [];
    for (const o of ops) {
      if (o.op === 'undo' || o.op === 'redo') {
        const from = o.op === 'undo' ? undo : redo;
        const step = from.pop();
        if (!step) continue;
        if (o.op === 'undo') state.undo(step.batch); else state.apply(step.batch);
        step.batch.changes.forEach((c, k) => { model[c.row] = { ...(o.op === 'undo' ? step.before[k] : step.after[k]) }; });
        (o.op === 'undo' ? redo : undo).push(step);
        continue;
      }
      if (o.op === 'save') { state.save('prop', 'cli'); continue; }
      const row = o.row % n;
      const batch = state.change(o.op, [row], (_i, s) => {
        if (o.op === 'relabel') return { ...s, label: spec.classes[o.to % spec.classes.length] };
        if (o.op === 'accept') return { ...s, accepted: true };
        const soft: Record<string, number> = {};
        for (const c of spec.classes) soft[c] = o.eps / spec.classes.length + (c === s.label ? 1 - o.eps : 0);
        return { ...s, soft, softHow: `smooth ε=${o.eps}` };
      });
      if (batch.changes.length === 0) continue;
      const before = batch.changes.map((c) => ({ ...model[c.row] }));
      state.apply(batch);
      const after = batch.changes.map((c) => ({ label: c.after.label, soft: c.after.soft, accepted: c.after.accepted }));
      batch.changes.forEach((c, k) => { model[c.row] = after[k]; });
      undo.push({ batch, before, after });
      redo.length = 0;
    }
    state.save('prop', 'cli');

    const back = openDataset(path, OPTIONS);
    const side = readSidecar(path);
    model.forEach((m, i) => {
      assert.equal(back.labelName(i), m.label, `label of row ${i}`);
      const s = side.rows[back.rowKey(i)];
      assert.equal(s?.accepted === true, m.accepted, `accepted mark of row ${i}`);
      assert.deepEqual(s?.soft, m.soft, `soft target of row ${i}`);
    });
    assert.ok(outsideLabels(path, spec).equals(outside), 'every byte outside the label fields is unchanged');
  })), runs(60));
});
