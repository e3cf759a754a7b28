/**
 * What the review editor shows, computed on the host and sent a page at a time: rows ranked and
 * filtered, the detail of one row (soft vs hard label), class statistics; and the edit batches
 * behind each one-click action. Free of VS Code; the webview never holds the whole file.
 */
import type { ClassesView, PageQuery, RowDetail, RowFilter, RowView, RunView } from '../protocol/webview';
import type { EditBatch, ReviewState, RowState } from './labels/reviewState';
import { smoothTarget } from './labels/sidecar';
import { readArrays, type ResultArrays, type RunRecord, type Summary } from './results';
import { SKIPPED } from './table/dataset';
import { reasonFor } from './signals/reason';

export interface Analysis {
  summary: Summary;
  arrays: ResultArrays;
}

export function loadAnalysis(arraysPath: string, summary: Summary): Analysis {
  return { summary, arrays: readArrays(arraysPath, summary.arrays) };
}

const PREVIEW = 240;
const DETAIL_TEXT = 20_000;

export class ReviewModel {
  private analysis: Analysis | undefined;
  private cache: { key: string; order: Int32Array } | undefined;
  private version = 0;

  constructor(readonly state: ReviewState) {}

  get classes(): string[] {
    return this.analysis?.summary.classes ?? this.state.dataset.classes;
  }

  get hasAnalysis(): boolean { return this.analysis !== undefined; }
  get summary(): Summary | undefined { return this.analysis?.summary; }

  /** Uses an analysis when it describes this file as it is (same rows). */
  setAnalysis(a: Analysis | undefined): boolean {
    if (a && a.summary.rows !== this.state.dataset.rowCount) return false;
    this.analysis = a;
    this.invalidate();
    return true;
  }

  /** Call after edits or a reload: cached orders may no longer hold. */
  invalidate(): void {
    this.version++;
    this.cache = undefined;
  }

  private get arrays(): ResultArrays | undefined {
    return this.analysis?.arrays;
  }

  private classIndex(label: string): number {
    return this.classes.indexOf(label);
  }

  suspicion(row: number): number | undefined {
    const s = this.arrays?.suspicion;
    if (!s) return undefined;
    const st = this.state.state(row);
    // A row relabeled to the suggestion, or accepted, is no longer suspect for this review.
    if (st.accepted || (this.state.edited(row) && st.label === this.suggested(row))) return 0;
    const v = s[row];
    return Number.isNaN(v) ? undefined : v;
  }

  suggested(row: number): string | undefined {
    const s = this.arrays?.suggested;
    if (!s || this.state.dataset.labels[row] === SKIPPED) return undefined;
    return this.classes[s[row]];
  }

  private flagged(row: number): boolean {
    return (this.arrays?.flagged[row] ?? 0) === 1;
  }

  private text(row: number): string {
    const ds = this.state.dataset;
    if (ds.table.index.damaged[row]) return '';
    if (ds.roles.text !== undefined) return ds.table.cell(row, ds.roles.text);
    if (ds.roles.pixels) return `${ds.roles.pixels.width}×${ds.roles.pixels.height} image`;
    return ds.roles.features.slice(0, 8).map((c) => `${ds.table.header[c]}=${ds.table.cell(row, c)}`).join(', ');
  }

  private matches(row: number, f: RowFilter, search: string | undefined): boolean {
    const st = this.state.state(row);
    if (f.given !== undefined && st.label !== this.classes[f.given]) return false;
    if (f.suggested !== undefined && this.suggested(row) !== this.classes[f.suggested]) return false;
    if (f.flagged !== undefined && this.flagged(row) !== f.flagged) return false;
    if (f.edited !== undefined && this.state.edited(row) !== f.edited) return false;
    if (f.accepted !== undefined && st.accepted !== f.accepted) return false;
    if (search && !this.text(row).toLowerCase().includes(search) && !this.state.dataset.rowId(row).toLowerCase().includes(search)) return false;
    return true;
  }

  private order(q: PageQuery): Int32Array {
    const key = JSON.stringify([q.sort, q.descending, q.filter, this.version]);
    if (this.cache?.key === key) return this.cache.order;
    const n = this.state.dataset.rowCount;
    const search = q.filter.search?.trim().toLowerCase() || undefined;
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (this.matches(i, q.filter, search)) rows.push(i);
    const sign = q.descending ? -1 : 1;
    // Each row's sort key is computed once, not once per comparison.
    const numeric = (get: (r: number) => number | undefined) => {
      const key = new Float64Array(n).fill(NaN);
      for (const r of rows) key[r] = get(r) ?? NaN;
      return (a: number, b: number) => {
        const x = key[a], y = key[b];
        // Rows without a value (unlabeled, damaged, no analysis) go last either way.
        if (Number.isNaN(x)) return Number.isNaN(y) ? a - b : 1;
        if (Number.isNaN(y)) return -1;
        return sign * (x - y) || a - b;
      };
    };
    const text = (get: (r: number) => string) => {
      const key = new Map(rows.map((r) => [r, get(r)]));
      return (a: number, b: number) => sign * key.get(a)!.localeCompare(key.get(b)!) || a - b;
    };
    const cmp: Record<PageQuery['sort'], () => (a: number, b: number) => number> = {
      suspicion: () => numeric((r) => this.suspicion(r)),
      row: () => (a, b) => sign * (a - b),
      selfConfidence: () => numeric((r) => this.arrays?.selfConfidence[r]),
      margin: () => numeric((r) => this.arrays?.margin[r]),
      given: () => text((r) => this.state.state(r).label),
      suggested: () => text((r) => this.suggested(r) ?? ''),
    };
    rows.sort(cmp[q.sort]());
    const order = Int32Array.from(rows);
    this.cache = { key, order };
    return order;
  }

  rowView(row: number): RowView {
    const ds = this.state.dataset;
    const st = this.state.state(row);
    const t = this.text(row);
    return {
      row, id: ds.rowId(row), line: ds.table.index.line[row], text: t.length > PREVIEW ? `${t.slice(0, PREVIEW)}…` : t,
      given: ds.labelName(row), label: st.label, suggested: this.suggested(row), suspicion: this.suspicion(row),
      flagged: this.flagged(row), edited: this.state.edited(row), accepted: st.accepted, smoothed: st.soft !== undefined,
      damaged: ds.table.index.damaged[row] === 1,
    };
  }

  page(q: PageQuery): { total: number; rows: RowView[] } {
    const order = this.order(q);
    const rows: RowView[] = [];
    for (let i = q.offset; i < Math.min(order.length, q.offset + q.limit); i++) rows.push(this.rowView(order[i]));
    return { total: order.length, rows };
  }

  softOf(row: number): number[] | undefined {
    const c = this.arrays?.consensus;
    if (!c) return undefined;
    const K = this.classes.length;
    return Array.from(c.subarray(row * K, row * K + K));
  }

  detail(row: number): RowDetail {
    const ds = this.state.dataset;
    const base = this.rowView(row);
    const K = this.classes.length;
    const d: RowDetail = { ...base, topClasses: [] };
    if (ds.roles.text !== undefined && !base.damaged) {
      const t = ds.table.cell(row, ds.roles.text);
      d.fullText = t.length > DETAIL_TEXT ? `${t.slice(0, DETAIL_TEXT)}…` : t;
    } else if (ds.roles.pixels && !base.damaged) {
      const cells = ds.table.row(row);
      d.pixels = { width: ds.roles.pixels.width, height: ds.roles.pixels.height, values: ds.roles.pixels.columns.map((c) => Math.max(0, Math.min(255, Number(cells[c]) || 0))) };
    } else if (!base.damaged) {
      const cells = ds.table.row(row);
      d.features = ds.roles.features.map((c) => ({ name: ds.table.header[c], value: cells[c] }));
    }
    const st = this.state.state(row);
    if (st.soft) d.target = this.classes.map((c) => st.soft![c] ?? 0);
    const soft = this.softOf(row);
    if (soft) {
      d.soft = soft;
      const y = this.classIndex(base.given);
      if (y >= 0) d.kl = -Math.log(Math.max(1e-12, soft[y]));
      d.entropy = -soft.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);
      d.topClasses = soft.map((p, k) => [p, k] as const).sort((a, b) => b[0] - a[0]).slice(0, 9).map(([, k]) => k);
      const s = this.analysis!.summary;
      const teacher = this.arrays?.teacher;
      d.reason = y >= 0 ? reasonFor({ classes: this.classes, given: y, consensus: soft, teacher: teacher?.subarray(row * K, row * K + K), piDisagree: this.arrays?.piDisagree[row], piPasses: s.piPasses, flips: this.arrays?.flips[row], epochs: s.epochs }) : undefined;
      const h = this.arrays?.history;
      if (h && s.epochs > 0) {
        const n = ds.rowCount;
        d.history = Array.from({ length: s.epochs }, (_, e) => h[e * n + row]).filter((v) => !Number.isNaN(v));
      }
    } else d.topClasses = this.classes.map((_, k) => k).slice(0, 9);
    return d;
  }

  classesView(): ClassesView | undefined {
    const s = this.analysis?.summary;
    if (!s) return undefined;
    const K = s.classes.length;
    const given = new Array<number>(K).fill(0);
    const corrected = new Array<number>(K).fill(0);
    const ds = this.state.dataset;
    for (let i = 0; i < ds.rowCount; i++) {
      if (ds.labels[i] < 0) continue;
      const g = s.classes.indexOf(ds.labelName(i));
      if (g >= 0) given[g]++;
      const c = s.classes.indexOf(this.state.state(i).label);
      if (c >= 0) corrected[c]++;
    }
    const nonzero = given.filter((x) => x > 0);
    return {
      classes: s.classes, given, predicted: s.classStats.map((c) => c.predicted), corrected,
      precision: s.classStats.map((c) => c.precision), recall: s.classStats.map((c) => c.recall), matrix: s.matrix,
      imbalanceRatio: nonzero.length ? Math.max(...nonzero) / Math.min(...nonzero) : 1,
    };
  }

  // ---- one-click actions, each one undo step ----

  private why(row: number, what: string): { reason?: string; score?: number } {
    const score = this.arrays?.suspicion[row];
    return { reason: what, score: score !== undefined && !Number.isNaN(score) ? +score.toFixed(4) : undefined };
  }

  relabel(rows: number[], to: number, label = 'Relabel'): EditBatch {
    const cls = this.classes[to];
    return this.state.change(label, rows, (_, s) => ({ ...s, label: cls }), (r) => this.why(r, `relabeled to ${cls} in review`));
  }

  applySuggestion(rows: number[], label = 'Apply suggestion'): EditBatch {
    return this.state.change(label, rows, (r, s) => {
      const to = this.suggested(r);
      return to === undefined || s.label === '' ? undefined : { ...s, label: to };
    }, (r) => this.why(r, this.detail(r).reason ?? 'suggestion'));
  }

  /** Smooth: (1−ε)·one-hot + ε/K, or with `mix` the given label mixed with the soft label: (1−ε)·one-hot + ε·soft. */
  smooth(rows: number[], epsilon: number, mix: boolean): EditBatch {
    return this.state.change(mix ? 'Mix with soft label' : 'Smooth label', rows, (r, s): RowState | undefined => {
      if (s.label === '') return undefined;
      const soft = mix ? this.softOf(r) : undefined;
      let target: Record<string, number>;
      if (soft) {
        target = {};
        this.classes.forEach((c, k) => { target[c] = +((c === s.label ? 1 - epsilon : 0) + epsilon * soft[k]).toFixed(6); });
      } else target = smoothTarget(this.classes, s.label, epsilon);
      return { ...s, soft: target, softHow: soft ? `mix ε=${epsilon} with ensemble` : `smooth ε=${epsilon}` };
    }, (r) => this.why(r, mix ? `mixed with the soft label (ε=${epsilon})` : `smoothed (ε=${epsilon})`));
  }

  accept(rows: number[]): EditBatch {
    return this.state.change('Accept label', rows, (_, s) => ({ ...s, accepted: true }), (r) => this.why(r, 'accepted as correct in review'));
  }

  /** Every flagged row with suspicion ≥ threshold, relabeled to its suggestion: one undo step. */
  applyAbove(threshold: number): EditBatch {
    const s = this.arrays?.suspicion;
    const rows: number[] = [];
    if (s) for (let i = 0; i < s.length; i++) if (this.flagged(i) && s[i] >= threshold) rows.push(i);
    return this.applySuggestion(rows, `Apply ${rows.length} suggestions ≥ ${threshold}`);
  }

  /** Rows the analysis flagged whose label now differs from the label it analysed. */
  fixedSinceAnalysis(): number {
    const flagged = this.arrays?.flagged;
    const label = this.arrays?.label;
    if (!flagged || !label) return 0;
    let n = 0;
    for (let i = 0; i < flagged.length; i++) if (flagged[i] && label[i] >= 0 && this.state.state(i).label !== this.classes[label[i]]) n++;
    return n;
  }

  /** Runs for the Runs view from summaries (analysis then retrains), newest last. */
  static runView(s: RunRecord, fixed = s.fixed): RunView {
    return {
      kind: s.kind, createdAt: s.createdAt, options: s.options, oofAccuracy: s.oofAccuracy, flagged: s.flagged, backend: s.backend, model: s.model,
      seconds: Object.values(s.seconds).reduce((a, b) => a + b, 0), recall: s.classStats.map((c) => c.recall),
      before: s.before ? { oofAccuracy: s.before.oofAccuracy, flagged: s.before.flagged, recall: s.before.classStats.map((c) => c.recall) } : undefined,
      fixed,
    };
  }
}
