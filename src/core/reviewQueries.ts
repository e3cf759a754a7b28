/**
 * What the review editor shows, computed on the host and sent a page at a time: rows ranked and
 * filtered, the detail of one row (soft vs hard label), class statistics; and the edit batches
 * behind each one-click action. Free of VS Code; the webview never holds the whole file.
 */
import type { ApplyPreview, MapResult, ClassesView, ExtraColumn, GroupMember, GroupView, GroupsResult, IssueKind, PageQuery, PageResult, RowDetail, RowFilter, RowView, RunView } from '../protocol/webview';
import type { EditBatch, DocumentState, RowState } from './labels/documentState';
import { smoothTarget } from './labels/sidecar';
import type { MapSummary, ResultArrays, Run, RunRecord, Summary } from './results';
import { SKIPPED, type OpenedTable } from './table/dataset';
import { calibrated, fitTemperature } from './signals/calibration';
import { reasonFor } from './signals/reason';
import { imageSourceOf, thumbnail } from './formats/images';
import { insidePolygon, MAP_EDITED, MAP_FLAGGED, MAP_OUTLIER, mapMethod, mapPoints, packMap, polygonBox } from './mapView';

/** An analysis as the review uses it: the run read from the results folder (core/results). */
export type Analysis = Run;

const PREVIEW = 240;
/** Largest side of a row's thumbnail in the table and the grid. */
const THUMB = 32;
const DETAIL_TEXT = 20_000;

export class ReviewQueries {
  private analysis: Analysis | undefined;
  /**
   * The order of the last query, kept while the user edits: acting on a row must not move the rows
   * after it (the cursor would skip one). A new snapshot, sort or filter computes it again.
   */
  private readonly orders = new Map<string, { order: Int32Array; edits: number }>();
  private extras: ExtraColumn[] | undefined;
  /** Temperature that calibrates the ensemble's probabilities against the given labels. */
  private temperature = 1;
  private flaggedRank: Int32Array | undefined;
  private progressCache: { edits: number; reviewed: number; flagged: number } | undefined;
  /** Bumped when the rows themselves may differ (reload from disk, new analysis): orders are void. */
  private structure = 0;
  /** Bumped on every edit, undo and save: orders computed before are stale, not void. */
  private edits = 0;

  constructor(readonly state: DocumentState) {}

  get classes(): string[] {
    return this.analysis?.summary.classes ?? this.state.dataset.classes;
  }

  get hasAnalysis(): boolean { return this.analysis !== undefined; }
  get summary(): Summary | undefined { return this.analysis?.summary; }

  /** Uses an analysis when it describes this file as it is (same rows). */
  setAnalysis(a: Analysis | undefined): boolean {
    if (a && a.summary.rows !== this.state.dataset.rowCount) return false;
    this.analysis = a;
    this.flaggedRank = undefined;
    this.members = undefined;
    this.points = undefined;
    const c = a?.arrays.consensus, label = a?.arrays.label;
    this.temperature = c && label ? fitTemperature(c, label, a!.summary.classes.length) : 1;
    this.reset();
    return true;
  }

  /** After an edit, undo or save: the rows are the same, their labels may differ. */
  edited(): void {
    this.edits++;
  }

  /** After a reload from disk or a new analysis: the rows may differ, so no order holds. */
  reset(): void {
    this.structure++;
    this.edits++;
    this.orders.clear();
    this.extras = undefined;
    this.progressCache = undefined;
  }

  /** Calibrated probability that the row's current label is wrong. */
  pWrong(row: number): number | undefined {
    const soft = this.softOf(row);
    const st = this.state.state(row);
    const k = this.classIndex(st.label);
    if (!soft || k < 0 || Number.isNaN(soft[0])) return undefined;
    return 1 - calibrated(soft, this.temperature)[k];
  }

  /** #position (1-based) of a flagged row among all flagged rows, most suspicious first, in the analysis. */
  rank(row: number): { position: number; of: number } | undefined {
    const flagged = this.arrays?.flagged, s = this.arrays?.suspicion;
    if (!flagged || !s) return undefined;
    if (!this.flaggedRank) {
      const rows: number[] = [];
      for (let i = 0; i < flagged.length; i++) if (flagged[i] === 1) rows.push(i);
      rows.sort((a, b) => s[b] - s[a] || a - b);
      this.flaggedRank = new Int32Array(flagged.length).fill(-1);
      rows.forEach((r, i) => { this.flaggedRank![r] = i; });
      this.flaggedCount = rows.length;
    }
    const p = this.flaggedRank[row];
    return p >= 0 ? { position: p + 1, of: this.flaggedCount } : undefined;
  }
  private flaggedCount = 0;

  /** Flagged rows reviewed in this review or since the analysis: relabeled or accepted. */
  progress(): { reviewed: number; flagged: number } | undefined {
    const flagged = this.arrays?.flagged;
    if (!flagged) return undefined;
    if (this.progressCache?.edits !== this.edits) {
      let reviewed = 0, n = 0;
      for (let i = 0; i < flagged.length; i++) {
        if (flagged[i] !== 1) continue;
        n++;
        if (this.state.state(i).accepted || this.changedSinceAnalysis(i)) reviewed++;
      }
      this.progressCache = { edits: this.edits, reviewed, flagged: n };
    }
    return { reviewed: this.progressCache.reviewed, flagged: this.progressCache.flagged };
  }

  private get arrays(): ResultArrays | undefined {
    return this.analysis?.arrays;
  }

  private arr(name: keyof ResultArrays): Float32Array | undefined {
    return this.analysis?.arrays[name];
  }

  private classIndex(label: string): number {
    return this.classes.indexOf(label);
  }

  suspicion(row: number): number | undefined {
    const s = this.arrays?.suspicion;
    if (!s) return undefined;
    const st = this.state.state(row);
    // A row relabeled to the suggestion since the analysis (saved or not), or accepted, is no longer
    // suspect for this review: the analysis judged the label it read, which is gone.
    if (st.accepted || (this.changedSinceAnalysis(row) && st.label === this.suggested(row))) return 0;
    const v = s[row];
    return Number.isNaN(v) ? undefined : v;
  }

  /** The row's current label differs from the label the analysis read. */
  private changedSinceAnalysis(row: number): boolean {
    const analysed = this.arrays?.label[row];
    if (analysed === undefined || analysed < 0) return this.state.edited(row);
    return this.state.state(row).label !== this.classes[analysed];
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
    return rowText(this.state.dataset, row);
  }

  /** 0-based duplicate group of a row in the analysis, −1 when it has no copy (or no analysis). */
  private groupOf(row: number): number {
    const g = this.arr('duplicateGroup');
    return g ? g[row] : -1;
  }

  /** Members of each duplicate group, by group (built once per analysis). */
  private groupMembers(): Int32Array[] {
    if (this.members) return this.members;
    const g = this.arr('duplicateGroup');
    const lists: number[][] = [];
    if (g) for (let i = 0; i < g.length; i++) if (g[i] >= 0) (lists[g[i]] ??= []).push(i);
    this.members = Array.from(lists, (l) => Int32Array.from(l ?? []));
    return this.members;
  }
  private members: Int32Array[] | undefined;

  /** The row's kind of finding matches the issue filter. */
  private isIssue(row: number, issue: IssueKind): boolean {
    switch (issue) {
      case 'label': return this.flagged(row);
      case 'conflict': return (this.arr('conflict')?.[row] ?? 0) === 1;
      case 'duplicate': return this.groupOf(row) >= 0;
      case 'outlier': return (this.arr('outlierFlagged')?.[row] ?? 0) === 1;
    }
  }

  /**
   * A group as the Duplicates view shows it, with its members' current labels: the reason counts
   * them by class, and the suggestion is the model-weighted vote (each member votes for its label
   * with the analysis's probability of it), as the analysis ranks conflicts.
   */
  groupView(g: number): GroupView {
    const rows = this.groupMembers()[g];
    const K = this.classes.length;
    const c = this.arr('consensus');
    const counts = new Map<string, number>();
    const votes = new Map<string, number>();
    let exact = true;
    const kind = this.arr('duplicateKind');
    for (const r of rows) {
      if (kind && kind[r] !== 1) exact = false;
      const l = this.state.state(r).label;
      if (l === '' || this.state.dataset.labels[r] === -2) continue;
      counts.set(l, (counts.get(l) ?? 0) + 1);
      const k = this.classIndex(l);
      votes.set(l, (votes.get(l) ?? 0) + (c && k >= 0 ? c[r * K + k] : 1));
    }
    const ranked = [...votes].sort((a, b) => b[1] - a[1]);
    const suggested = counts.size > 1 && ranked.length && (ranked.length < 2 || ranked[0][1] > ranked[1][1] + 1e-9) ? ranked[0][0] : undefined;
    const byClass = [...counts].sort((a, b) => this.classIndex(a[0]) - this.classIndex(b[0])).map(([l, n]) => `${l} ×${n}`).join(', ');
    const noun = this.state.dataset.roles.text !== undefined ? 'texts' : 'rows';
    return {
      group: g + 1, reason: `${rows.length} ${exact ? 'identical' : 'near-identical'} ${noun}: ${byClass}`, conflict: counts.size > 1, suggested, size: rows.length,
      members: [...rows.subarray(0, 50)].map((r) => this.member(r)),
    };
  }

  private member(r: number): GroupMember {
    const t = this.text(r);
    return { row: r, id: this.state.dataset.rowId(r), label: this.state.state(r).label, text: t.length > PREVIEW ? `${t.slice(0, PREVIEW)}…` : t };
  }

  /** Duplicate groups, conflicts (by current labels) first, then larger groups first. */
  groups(offset: number, limit: number): GroupsResult {
    const all = this.groupMembers();
    const views = all.map((_, g) => g);
    const conflict = (g: number) => { const ls = new Set<string>(); for (const r of all[g]) { const l = this.state.state(r).label; if (l !== '') ls.add(l); } return ls.size > 1 ? 1 : 0; };
    const isConflict = Int8Array.from(views, conflict);
    views.sort((a, b) => isConflict[b] - isConflict[a] || all[b].length - all[a].length || a - b);
    return { total: views.length, offset, groups: views.slice(offset, offset + limit).map((g) => this.groupView(g)) };
  }

  /** Every member of group `group` (1-based) relabeled to `cls`: one undo step (nothing for an unknown group). */
  relabelGroup(group: number, cls: string): EditBatch {
    const rows = this.groupMembers()[group - 1];
    return this.relabel(rows ? [...rows] : [], cls, `Set ${rows?.length ?? 0} copies to ${cls}`);
  }

  /** Marks rows to be left out of later analyses and retrains, or clears the mark: one undo step. */
  exclude(rows: number[], on: boolean): EditBatch {
    return this.state.change(on ? 'Exclude from analysis' : 'Include in analysis', rows, (_, s) => {
      const { excluded: _was, ...rest } = s;
      void _was;
      return on ? { ...rest, excluded: true } : rest;
    }, (r) => this.why(r, on ? 'excluded from analysis in review' : 'included in analysis again'));
  }

  /** The analysis's map points (core/mapView), computed once per analysis; undefined without a map. */
  private mapPointsOf(): Uint16Array | undefined {
    const x = this.arr('mapX'), y = this.arr('mapY');
    if (!x || !y) return undefined;
    return (this.points ??= mapPoints(x, y));
  }
  private points: Uint16Array | undefined;

  /** The engine is making this analysis's map (after its results): what the Map view says meanwhile. */
  mapComputing = false;

  /** The map of the analysis, arrived after it (core/results readMapFile): shown from now on. */
  setMap(m: { x: Float32Array; y: Float32Array; map: MapSummary }): void {
    if (!this.analysis || m.x.length !== this.analysis.summary.rows) return;
    this.analysis.arrays.mapX = m.x;
    this.analysis.arrays.mapY = m.y;
    this.analysis.summary.map = m.map;
    this.analysis.mapState = 'ready';
    this.points = undefined;
    this.mapComputing = false;
  }

  /** The embedding map with every row's current label, suspects and outliers marked; or why there is none. */
  map(): MapResult {
    const pts = this.mapPointsOf();
    if (!this.analysis) return { map: undefined, reason: 'noAnalysis' };
    if (!pts) {
      if (this.analysis.mapState !== 'missing') return { map: undefined, reason: 'noMap' };
      if (this.mapComputing) return { map: undefined, reason: 'mapComputing' };
      // A damaged map file says what is wrong with it (readRun kept the reason).
      return { map: undefined, reason: 'mapMissing', ...(this.analysis.mapProblem ? { problem: this.analysis.mapProblem } : {}) };
    }
    const outlier = this.arr('outlierFlagged');
    // A class's index by name once (not indexOf per row: 1M rows × 1,000 classes).
    const index = new Map(this.classes.map((c, k) => [c, k]));
    return {
      map: packMap(pts, this.classes, (r) => (this.state.dataset.labels[r] === SKIPPED ? -1 : index.get(this.state.state(r).label) ?? -1),
        (r) => (this.flagged(r) ? MAP_FLAGGED : 0) | (outlier?.[r] === 1 ? MAP_OUTLIER : 0) | (this.state.edited(r) ? MAP_EDITED : 0), mapMethod(this.analysis.summary)),
    };
  }

  private inMap(row: number, polygon: number[], box: [number, number, number, number]): boolean {
    const pts = this.mapPointsOf();
    if (!pts) return false;
    const x = pts[2 * row], y = pts[2 * row + 1];
    return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3] && insidePolygon(x, y, polygon);
  }

  /** The bounding box of a map filter's polygon, computed once per filter (not once per row). */
  private boxOf(polygon: number[]): [number, number, number, number] {
    let b = this.boxes.get(polygon);
    if (!b) { b = polygonBox(polygon); this.boxes.set(polygon, b); }
    return b;
  }
  private readonly boxes = new WeakMap<number[], [number, number, number, number]>();

  private matches(row: number, f: RowFilter, search: string | undefined): boolean {
    const st = this.state.state(row);
    if (f.map && !this.inMap(row, f.map.polygon, this.boxOf(f.map.polygon))) return false;
    if (f.issue !== undefined && !this.isIssue(row, f.issue)) return false;
    if (f.given !== undefined && st.label !== f.given) return false;
    if (f.suggested !== undefined && this.suggested(row) !== f.suggested) return false;
    if (f.flagged !== undefined && this.flagged(row) !== f.flagged) return false;
    if (f.edited !== undefined && this.state.edited(row) !== f.edited) return false;
    if (f.accepted !== undefined && st.accepted !== f.accepted) return false;
    if (search && !this.text(row).toLowerCase().includes(search) && !this.state.dataset.rowId(row).toLowerCase().includes(search)) return false;
    if (f.column) {
      const ds = this.state.dataset;
      if (ds.table.index.damaged[row]) return false;
      const v = ds.table.cell(row, f.column.index);
      if (f.column.equals !== undefined && v !== f.column.equals) return false;
      if (f.column.contains && !v.toLowerCase().includes(f.column.contains.toLowerCase())) return false;
    }
    return true;
  }

  /**
   * The file's columns other than id, text and label (and pixels), which the table can show and
   * filter. A column with at most 50 distinct values among its first 100,000 rows lists them.
   */
  extraColumns(): ExtraColumn[] {
    if (this.extras) return this.extras;
    const ds = this.state.dataset;
    const r = ds.roles;
    const taken = new Set<number>([r.id, r.text, r.label].filter((c): c is number => c !== undefined));
    if (r.pixels) for (const c of r.pixels.columns) taken.add(c);
    const cols = ds.table.header.map((name, index) => ({ name, index })).filter((c) => !taken.has(c.index)).slice(0, 50);
    const n = Math.min(ds.rowCount, 100_000);
    this.extras = cols.map(({ name, index }) => {
      const seen = new Set<string>();
      for (let i = 0; i < n && seen.size <= 50; i++) if (!ds.table.index.damaged[i]) seen.add(ds.table.cell(i, index));
      return seen.size <= 50 ? { index, name, values: [...seen].sort() } : { index, name };
    });
    return this.extras;
  }

  /** The few orders used last are kept (a filter toggled off and on again finds its order unchanged). */
  private order(q: PageQuery): { order: Int32Array; edits: number } {
    const key = JSON.stringify([q.sort, q.descending, q.filter, q.snapshot, this.structure]);
    const kept = this.orders.get(key);
    if (kept) {
      this.orders.delete(key);
      this.orders.set(key, kept);
      return kept;
    }
    const n = this.state.dataset.rowCount;
    const search = q.filter.search?.trim().toLowerCase() || undefined;
    const rows: number[] = [];
    // No filter: every row, without asking each one (a million rows' states cost a second).
    if (!search && Object.values(q.filter).every((v) => v === undefined)) for (let i = 0; i < n; i++) rows.push(i);
    else for (let i = 0; i < n; i++) if (this.matches(i, q.filter, search)) rows.push(i);
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
    const entry = { order: Int32Array.from(rows), edits: this.edits };
    this.orders.set(key, entry);
    if (this.orders.size > 4) this.orders.delete(this.orders.keys().next().value!);
    return entry;
  }

  rowView(row: number, show?: number): RowView {
    const ds = this.state.dataset;
    const st = this.state.state(row);
    const t = this.text(row);
    return {
      row, id: ds.rowId(row), line: ds.table.index.line[row], text: t.length > PREVIEW ? `${t.slice(0, PREVIEW)}…` : t,
      given: ds.labelName(row), label: st.label, suggested: this.suggested(row), suspicion: this.suspicion(row), pWrong: this.pWrong(row),
      flagged: this.flagged(row), edited: this.state.edited(row), accepted: st.accepted, smoothed: st.soft !== undefined,
      damaged: ds.table.index.damaged[row] === 1,
      ...(show !== undefined && !ds.table.index.damaged[row] ? { extra: ds.table.cell(row, show).slice(0, PREVIEW) } : {}),
      ...(this.hasImages && !ds.table.index.damaged[row] ? { thumb: this.thumb(row) } : {}),
      ...(this.groupOf(row) >= 0 ? { duplicateGroup: this.groupOf(row) + 1, conflict: (this.arr('conflict')?.[row] ?? 0) === 1 } : {}),
      ...((this.arr('outlierFlagged')?.[row] ?? 0) === 1 ? { outlier: true } : {}),
      ...(st.excluded ? { excluded: true } : {}),
      ...(st.note ? { note: st.note.length > PREVIEW ? `${st.note.slice(0, PREVIEW)}…` : st.note } : {}),
    };
  }

  /** Rows are images: pixel columns (MNIST as CSV) or image files. */
  get hasImages(): boolean {
    const r = this.state.dataset.roles;
    return r.pixels !== undefined || r.images !== undefined;
  }

  /** Grey levels of a row's image, at most THUMB×THUMB (nearest neighbour), as base64 bytes. */
  private thumb(row: number): RowView['thumb'] {
    const p = this.pixels(row);
    if (!p) return undefined;
    const scale = Math.max(1, Math.ceil(Math.max(p.width, p.height) / THUMB));
    const w = Math.max(1, Math.floor(p.width / scale)), h = Math.max(1, Math.floor(p.height / scale));
    const out = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = p.values[y * scale * p.width + x * scale];
    return { width: w, height: h, data: out.toString('base64') };
  }

  /** The row's image as grey levels, full size (pixel columns) or the decoded file's thumbnail. */
  private pixels(row: number): RowDetail['pixels'] {
    const ds = this.state.dataset;
    if (ds.roles.images) return this.imageThumbnail(row);
    if (!ds.roles.pixels) return undefined;
    const cells = ds.table.row(row);
    return { width: ds.roles.pixels.width, height: ds.roles.pixels.height, values: ds.roles.pixels.columns.map((c) => Math.max(0, Math.min(255, Number(cells[c]) || 0))) };
  }

  page(q: PageQuery): PageResult {
    const { order, edits } = this.order(q);
    const rows: RowView[] = [];
    for (let i = q.offset; i < Math.min(order.length, q.offset + q.limit); i++) rows.push(this.rowView(order[i], q.show));
    return { total: order.length, offset: q.offset, rows, stale: edits !== this.edits, progress: this.progress() };
  }

  softOf(row: number): number[] | undefined {
    const c = this.arrays?.consensus;
    if (!c) return undefined;
    const K = this.classes.length;
    return Array.from(c.subarray(row * K, row * K + K));
  }

  /**
   * The image of a row of an image dataset, as grey levels: decoded here (up to 64×64, cached), or
   * the engine's decode at the model's size when this host cannot decode it (WebP).
   */
  private imageThumbnail(row: number): RowDetail['pixels'] {
    const ds = this.state.dataset;
    const src = imageSourceOf(ds.table, ds.roles);
    const t = src ? thumbnail(src.imagePath(row)) : 'no image';
    if (typeof t !== 'string') return { width: t.width, height: t.height, values: Array.from(t.data) };
    const im = this.analysis?.summary.images;
    const all = this.analysis?.thumbs;
    if (!im || !all) return undefined;
    const D = im.width * im.height;
    return { width: im.width, height: im.height, values: Array.from(all.subarray(row * D, row * D + D)) };
  }

  detail(row: number): RowDetail {
    const ds = this.state.dataset;
    const base = this.rowView(row);
    const K = this.classes.length;
    const d: RowDetail = { ...base, topClasses: [], rank: this.rank(row) };
    const note = this.state.state(row).note;
    if (note) d.note = note;
    if (ds.roles.text !== undefined && !base.damaged) {
      const t = ds.table.cell(row, ds.roles.text);
      d.fullText = t.length > DETAIL_TEXT ? `${t.slice(0, DETAIL_TEXT)}…` : t;
    } else if ((ds.roles.images || ds.roles.pixels) && !base.damaged) {
      d.pixels = this.pixels(row);
    } else if (!base.damaged) {
      const cells = ds.table.row(row);
      d.features = ds.roles.features.map((c) => ({ name: ds.table.header[c], value: cells[c] }));
    }
    const g = this.groupOf(row);
    if (g >= 0) {
      const v = this.groupView(g);
      d.duplicates = v.members.filter((m) => m.row !== row);
      if (v.conflict) d.conflictReason = v.reason;
    }
    const os = this.arr('outlier')?.[row];
    if (os !== undefined && !Number.isNaN(os)) d.outlierScore = +os.toFixed(4);
    const st = this.state.state(row);
    if (st.soft) d.target = this.classes.map((c) => st.soft![c] ?? 0);
    const soft = this.softOf(row);
    if (soft) {
      d.soft = soft;
      const y = this.classIndex(base.given);
      if (y >= 0) d.kl = -Math.log(Math.max(1e-12, soft[y]));
      d.entropy = -soft.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);
      d.topClasses = soft.map((p, k) => [p, k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 9).map(([, k]) => this.classes[k]);
      const s = this.analysis!.summary;
      const teacher = this.arrays?.teacher;
      d.reason = y >= 0 ? reasonFor({ classes: this.classes, given: y, consensus: soft, teacher: teacher?.subarray(row * K, row * K + K), piDisagree: this.arrays?.piDisagree[row], piPasses: s.piPasses, flips: this.arrays?.flips[row], epochs: s.epochs }) : undefined;
      const h = this.arrays?.history;
      if (h && s.epochs > 0) {
        const n = ds.rowCount;
        d.history = Array.from({ length: s.epochs }, (_, e) => h[e * n + row]).filter((v) => !Number.isNaN(v));
      }
    } else d.topClasses = this.classes.slice(0, 9);
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

  relabel(rows: number[], cls: string, label = 'Relabel'): EditBatch {
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

  /** Sets the row's note ('' removes it): one undo step, saved in the sidecar. */
  setNote(row: number, note: string): EditBatch {
    const text = note.trim() === '' ? undefined : note;
    return this.state.change(text ? 'Note' : 'Remove note', [row], (_, s) => {
      const { note: _was, ...rest } = s;
      void _was;
      return text ? { ...rest, note: text } : rest;
    });
  }

  accept(rows: number[]): EditBatch {
    return this.state.change('Accept label', rows, (_, s) => ({ ...s, accepted: true }), (r) => this.why(r, 'accepted as correct in review'));
  }

  /**
   * The rows "apply suggestions ≥ threshold" relabels: flagged, not yet reviewed (not edited, not
   * accepted), labeled, and the ensemble gives the suggested class a probability ≥ threshold. The
   * threshold is on the probability of the new label, not on suspicion: a row can be very
   * suspicious while its suggestion is a coin toss between two other classes.
   */
  rowsAbove(threshold: number): number[] {
    const suggested = this.arrays?.suggested;
    const c = this.arrays?.consensus;
    const rows: number[] = [];
    if (!suggested || !c) return rows;
    const K = this.classes.length;
    const ds = this.state.dataset;
    for (let i = 0; i < ds.rowCount; i++) {
      if (!this.flagged(i) || ds.labels[i] < 0 || ds.table.index.damaged[i]) continue;
      const st = this.state.state(i);
      if (st.accepted || this.state.edited(i) || st.label === '') continue;
      const k = suggested[i];
      if (!(k >= 0) || this.classes[k] === st.label) continue;
      if (c[i * K + k] >= threshold) rows.push(i);
    }
    return rows;
  }

  /** What applyAbove would do: how many rows and the from → to counts, largest first. */
  previewAbove(threshold: number): ApplyPreview {
    const rows = this.rowsAbove(threshold);
    const pairs = new Map<string, { from: string; to: string; count: number }>();
    for (const r of rows) {
      const from = this.state.state(r).label, to = this.suggested(r)!;
      const key = JSON.stringify([from, to]);
      const p = pairs.get(key) ?? { from, to, count: 0 };
      p.count++;
      pairs.set(key, p);
    }
    return { threshold, rows: rows.length, pairs: [...pairs.values()].sort((a, b) => b.count - a.count || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0)) };
  }

  /** Every row of `rowsAbove(threshold)`, relabeled to its suggestion: one undo step. */
  applyAbove(threshold: number): EditBatch {
    const rows = this.rowsAbove(threshold);
    return this.applySuggestion(rows, `Apply ${rows.length} suggestions with p ≥ ${threshold}`);
  }

  /**
   * The trusted set: rows reviewed since the analysis (relabeled or accepted), with their reviewed
   * labels as class indexes of the analysis.
   */
  trustedRows(): { rows: number[]; labels: number[] } {
    const flagged = this.arrays?.flagged;
    const rows: number[] = [], labels: number[] = [];
    if (!flagged) return { rows, labels };
    for (let i = 0; i < flagged.length; i++) {
      const st = this.state.state(i);
      if (!(st.accepted || this.changedSinceAnalysis(i))) continue;
      const k = this.classIndex(st.label);
      if (k >= 0) { rows.push(i); labels.push(k); }
    }
    return { rows, labels };
  }

  /**
   * How often the out-of-fold predictions (consensus, N×K) of the analysis and of a retrain agree
   * with the reviewed labels of the trusted set, with the binomial standard error of each.
   * Undefined when nothing was reviewed or the retrain has other classes.
   */
  trustedAgreement(after: { summary: Pick<Summary, 'classes'>; arrays: Pick<ResultArrays, 'consensus'> } | undefined): RunView['trusted'] {
    const { rows, labels } = this.trustedRows();
    const before = this.arrays?.consensus, now = after?.arrays.consensus;
    const K = this.classes.length;
    if (!rows.length || !before || !now || !after || after.summary.classes.length !== K || after.summary.classes.some((c, k) => c !== this.classes[k])) return undefined;
    const agree = (c: Float32Array) => {
      let n = 0;
      rows.forEach((r, j) => {
        let best = 0;
        for (let k = 1; k < K; k++) if (c[r * K + k] > c[r * K + best]) best = k;
        if (best === labels[j]) n++;
      });
      return n / rows.length;
    };
    const se = (p: number) => Math.sqrt((p * (1 - p)) / rows.length);
    const b = agree(before), a = agree(now);
    return { rows: rows.length, before: b, after: a, seBefore: se(b), seAfter: se(a) };
  }

  /**
   * A page of the table while a large file is still being opened (its ids and labels read in the
   * background): rows in file order, as the file has them, no filter. Undefined for any other query,
   * which waits for the whole dataset. Ids come from the id column; edits, analysis and thumbnails
   * come with the dataset.
   */
  static openingPage(opened: OpenedTable, q: PageQuery): PageResult | undefined {
    const search = q.filter.search?.trim();
    if (q.sort !== 'row' || search || Object.values(q.filter).some((v) => v !== undefined)) return undefined;
    const { table, roles } = opened;
    const n = table.rowCount;
    const order = (i: number) => (q.descending ? n - 1 - i : i);
    const rows: RowView[] = [];
    for (let i = q.offset; i < Math.min(n, q.offset + q.limit); i++) {
      const row = order(i);
      const damaged = table.index.damaged[row] === 1;
      const t = rowText(opened, row);
      const given = damaged || roles.label === undefined ? '' : table.cell(row, roles.label).trim();
      rows.push({
        row, id: roles.id !== undefined ? table.cell(row, roles.id).trim() : `row ${row + 1}`, line: table.index.line[row], text: t.length > PREVIEW ? `${t.slice(0, PREVIEW)}…` : t,
        given, label: given, flagged: false, edited: false, accepted: false, smoothed: false, damaged,
        ...(q.show !== undefined && !damaged ? { extra: table.cell(row, q.show).slice(0, PREVIEW) } : {}),
      });
    }
    return { total: n, offset: q.offset, rows, stale: false };
  }

  /** Runs for the Runs view from summaries (analysis then retrains), newest last. */
  static runView(s: RunRecord, fixed = s.fixed, trusted?: RunView['trusted']): RunView {
    return {
      kind: s.kind, createdAt: s.createdAt, options: s.options, oofAccuracy: s.oofAccuracy, flagged: s.flagged, backend: s.backend, model: s.model, folds: s.foldAccuracy,
      seconds: Object.values(s.seconds).reduce((a, b) => a + b, 0), recall: s.classStats.map((c) => c.recall),
      before: s.before ? { oofAccuracy: s.before.oofAccuracy, flagged: s.before.flagged, recall: s.before.classStats.map((c) => c.recall), folds: s.before.foldAccuracy } : undefined,
      fixed, trusted,
    };
  }
}

/** The text the table shows for a row: its text cell, an image's size, or its first features. */
function rowText({ table, roles }: OpenedTable, row: number): string {
  if (table.index.damaged[row]) return '';
  if (roles.text !== undefined) return table.cell(row, roles.text);
  if (roles.pixels) return `${roles.pixels.width}×${roles.pixels.height} image`;
  return roles.features.slice(0, 8).map((c) => `${table.header[c]}=${table.cell(row, c)}`).join(', ');
}
