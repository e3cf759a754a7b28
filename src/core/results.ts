/**
 * The results of an analysis on disk, and their one owner. For a data file `dir/f.csv`, the CLI
 * and the editor both use `dir/.label-lens/results/f.csv/`:
 *   summary.json, arrays.bin, rows.csv                   the last analysis
 *   map.bin                                               its embedding map, written after them
 *   retrain-summary.json, retrain-arrays.bin, retrain-rows.csv, retrain-map.bin   the last retrain
 *   thumbs.bin, retrain-thumbs.bin                        image datasets: the decoded images
 *   runs/<time>-<kind>.json                               every run (the summary without arrays)
 * (for an image folder, `folder/.label-lens/results/`).
 * `arrays.bin` holds Float32 arrays (N×K, N, epochs×N) described by the summary's `arrays` table;
 * they are read back as a typed `ResultArrays`, never by string key. Large arrays never cross IPC.
 * The map is its own file because it is made after the results are out (the user reads the
 * suspects while it is computed): the summary names it (`mapFile`) when one is to follow, and the
 * map file names its run (the summary's `createdAt`), so a map left from an earlier run is never
 * shown with a newer analysis. Results written before the split keep mapX/mapY in arrays.bin and
 * read back the same.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Phase } from '../protocol/engine';
import { isDatasetFolder, stateDir } from './formats/stateDir';
import { prepareResultsDir, writeResultFile } from './labels/writeProtocol';
import type { ClassStat } from './signals/classStats';
import type { DatasetOptions } from './table/dataset';

export type { ClassStat } from './signals/classStats';

export interface ArrayEntry {
  name: string;
  /** Offset in Float32 elements. */
  offset: number;
  length: number;
  shape: number[];
}

/** What kind of finding a row is: a label the model doubts, or a copy whose group disagrees on the label. */
export type FindingKind = 'label' | 'conflict';

/** Duplicate groups, label conflicts and outliers of one run (see engine/findings). */
export interface DuplicateSummary {
  /** Groups of two or more rows that are copies (exact after normalisation, or near). */
  groups: number;
  rowsInGroups: number;
  /** Rows that repeat an earlier row exactly (after normalisation). */
  exactRepeats: number;
  /** Near-duplicate pairs that joined two groups. */
  nearPairs: number;
  /** Pairs joined by the cosine of the user's embeddings (≥ `cosine`), beside the text's; absent without embeddings beside a text. */
  embeddingPairs?: number;
  cosine?: number;
  /** Groups whose labeled members carry more than one label, and their rows. */
  conflicts: number;
  conflictRows: number;
  /** Jaccard threshold of near-duplicate texts (1 = exact copies only). */
  jaccard: number;
  /** Whether the folds kept each group whole. */
  groupFolds: boolean;
  seconds: number;
  /** Rows flagged as outliers, and the score at or above which they are. */
  outliers?: number;
  outlierThreshold?: number;
}

/** One label conflict: a duplicate group whose members disagree. */
export interface ConflictSummary {
  /** Group number, 1-based as in rows.csv. */
  group: number;
  reason: string;
  /** The group's suggested label (model-weighted vote); absent on a tie. */
  suggested?: string;
  members: { row: number; id: string; line: number; given: string }[];
}

export interface Suspect {
  /** Absent in summaries written before duplicate groups: 'label'. */
  kind?: FindingKind;
  row: number;
  id: string;
  line: number;
  given: string;
  suggested: string;
  suspicion: number;
  flagged: boolean;
  reason: string;
}

/** An image dataset's decode: the model's input size, the thumbnails file, the images that failed. */
export interface ImageResults {
  width: number;
  height: number;
  /** File beside summary.json: N × width × height grey levels (uint8), the model's input. */
  thumbnails: string;
  decoder: string;
  unreadable: number;
  /** At most 1000 of them, by id (path). */
  unreadableList: { id: string; message: string }[];
}

/** Where the probabilities of a run came from, as the summary records it. */
export interface ProbabilitySource {
  /** model = our out-of-fold models; given = the user's file; ensemble = both averaged. */
  kind: 'model' | 'given' | 'ensemble';
  /** The predictions file (given, ensemble). */
  file?: string;
  format?: string;
  /** Rows divided by their sum (--normalize). */
  normalized?: number;
  /** What the dense model learned from when it was embeddings. */
  embeddings?: { source: string; dim: number; encoder?: string; cached?: boolean; seconds?: number };
  /** Neighbours per row of the k-NN label agreement part of the consensus. */
  knn?: number;
}

/** How the embedding map of a run (arrays mapX, mapY) was made. */
export interface MapSummary {
  /** umap: UMAP of `sample` rows, the others placed by their nearest sample rows; pca: the two leading principal components. */
  method: 'umap' | 'pca';
  sample: number;
  seconds: number;
  /** What was projected (engine/representation): its kind, description and width. */
  representation: { source: 'embeddings' | 'features' | 'learned' | 'sketch'; description: string; dim: number };
}

export interface Summary {
  kind: 'analysis' | 'retrain';
  file: string;
  /** How the file was read: its roles by column name, encoding and format (the options that re-open it so). */
  readAs?: DatasetOptions;
  rows: number;
  labeled: number;
  unlabeled: number;
  skipped: number;
  classes: string[];
  counts: number[];
  flagged: number;
  estimatedNoiseRate: number;
  /** Out-of-fold accuracy against the given labels. */
  oofAccuracy: number;
  /**
   * The spread behind oofAccuracy: each fold model's held-out accuracy against the given labels
   * (after its last epoch), [repeat][fold]; repeats use other seeds and splits. Absent when nothing
   * was trained (given probabilities) and in older summaries.
   */
  foldAccuracy?: number[][];
  classStats: ClassStat[];
  /** given × predicted counts, K×K row-major. */
  matrix: number[];
  /** Calibrated confident joint, K×K row-major, [given][true]. */
  joint: number[];
  imbalanceRatio: number;
  backend: string;
  /** Image datasets: how the images were decoded and which could not be. */
  images?: ImageResults;
  /** The model trained (fasttext, mlp, cnn); absent in summaries written before it was recorded. */
  model?: string;
  /** With the prune option: rows the first pass flagged, left out of the second pass's training. */
  pruned?: number;
  /** Where the probabilities came from (our models, the user's file, both; embeddings); absent in older summaries. */
  probabilities?: ProbabilitySource;
  dataKind: string;
  /** Seconds each phase took (load, featurize, train, score, write). */
  seconds: Partial<Record<Phase, number>>;
  options: Record<string, unknown>;
  softTargets: number;
  /** How rows were ranked (see core/signals/score). */
  ranking: string;
  epochs: number;
  piPasses: number;
  arrays: ArrayEntry[];
  topSuspects: Suspect[];
  /** Rows left out because the review excluded them (sidecar); absent when none. */
  excluded?: number;
  /** Duplicate groups, conflicts and outliers; absent in summaries written before them. */
  duplicates?: DuplicateSummary;
  /** The first 100 label conflicts, most members first. */
  topConflicts?: ConflictSummary[];
  /** The embedding map (arrays mapX, mapY); absent when none was made. In summary.json of older runs only: newer ones keep it in the map file, and `readRun` puts it here. */
  map?: MapSummary;
  /** The map file (beside summary.json) written after the results; absent when no map is made (`--map none`, < 3 rows). */
  mapFile?: string;
  createdAt: string;
  /** For a retrain: rows the last analysis flagged whose label has changed since. */
  fixed?: number;
  /** For a retrain: the run it is compared with. */
  before?: Pick<Summary, 'oofAccuracy' | 'flagged' | 'classStats' | 'createdAt' | 'options' | 'foldAccuracy'>;
}

/**
 * The per-row arrays of a run. N×K: the out-of-fold distributions (consensus = their mean) —
 * N: the scores, the given label as analysed (class index, −1 unlabeled, −2 damaged), Π-model
 * counts — epochs×N: p(given label) after each epoch (NaN for rows never held out).
 */
export interface ResultArrays<A = Float32Array> {
  consensus: A;
  student: A;
  ema: A;
  teacher?: A;
  pi?: A;
  suspicion: A;
  selfConfidence: A;
  margin: A;
  suggested: A;
  flagged: A;
  label: A;
  piDisagree: A;
  piSpread: A;
  flips: A;
  history: A;
  /** Duplicate group per row (0-based, −1 = no copy), the group's first row, EXACT 1 / NEAR 2. */
  duplicateGroup?: A;
  duplicateFirst?: A;
  duplicateKind?: A;
  /** 1 where the row's group has conflicting labels. */
  conflict?: A;
  /** Outlier score per row, and 1 where it is flagged. */
  outlier?: A;
  outlierFlagged?: A;
  /** The embedding map: each row's 2-D position (see the summary's `map`). */
  mapX?: A;
  mapY?: A;
}

type Shape = 'rows×classes' | 'rows' | 'epochs×rows';
const SHAPES: { [K in keyof ResultArrays]-?: Shape } = {
  consensus: 'rows×classes', student: 'rows×classes', ema: 'rows×classes', teacher: 'rows×classes', pi: 'rows×classes',
  suspicion: 'rows', selfConfidence: 'rows', margin: 'rows', suggested: 'rows', flagged: 'rows', label: 'rows',
  piDisagree: 'rows', piSpread: 'rows', flips: 'rows', history: 'epochs×rows',
  duplicateGroup: 'rows', duplicateFirst: 'rows', duplicateKind: 'rows', conflict: 'rows', outlier: 'rows', outlierFlagged: 'rows',
  mapX: 'rows', mapY: 'rows',
};
const OPTIONAL = new Set<keyof ResultArrays>(['teacher', 'pi', 'duplicateGroup', 'duplicateFirst', 'duplicateKind', 'conflict', 'outlier', 'outlierFlagged', 'mapX', 'mapY']);
const NAMES = Object.keys(SHAPES) as (keyof ResultArrays)[];

/** Where each array of a run goes in arrays.bin (Float32 offsets, in NAMES order); throws on an array of the wrong length. */
export function arrayEntries(a: ResultArrays<ArrayLike<number>>, dims: { rows: number; classes: number; epochs: number }): ArrayEntry[] {
  const entries: ArrayEntry[] = [];
  let at = 0;
  for (const name of NAMES) {
    const data = a[name];
    if (data === undefined) continue;
    const shape = SHAPES[name] === 'rows×classes' ? [dims.rows, dims.classes] : SHAPES[name] === 'rows' ? [dims.rows] : [dims.epochs, dims.rows];
    if (data.length !== shape.reduce((x, y) => x * y, 1)) throw new Error(`results: array ${name} has ${data.length} values, expected ${shape.join('×')}`);
    entries.push({ name, offset: at, length: data.length, shape });
    at += data.length;
  }
  return entries;
}

/** Values converted to Float32 at a time when an array is not Float32 already (1 MB of scratch). */
const ARRAY_SLICE = 1 << 18;

/**
 * Writes arrays.bin's bytes to `out` in `entries`' order without building the file in memory: a
 * Float32 array goes out as its own bytes, any other (Int32 groups, Uint8 flags) through a small
 * scratch slice. The bytes are the ones `packArrays` builds.
 */
export function writeArrays(out: { write(bytes: Uint8Array): void }, a: ResultArrays<ArrayLike<number>>, entries: ArrayEntry[], slice = ARRAY_SLICE): void {
  const scratch = new Float32Array(slice);
  for (const e of entries) {
    const data = a[e.name as keyof ResultArrays]!;
    if (data instanceof Float32Array) { out.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); continue; }
    for (let s = 0; s < data.length; s += slice) {
      const n = Math.min(slice, data.length - s);
      for (let i = 0; i < n; i++) scratch[i] = data[s + i];
      out.write(new Uint8Array(scratch.buffer, 0, n * 4));
    }
  }
}

/** Packs a run's arrays into one Float32 buffer and its table of contents (for small runs and tests; the engine streams them with writeArrays). */
export function packArrays(a: ResultArrays<ArrayLike<number>>, dims: { rows: number; classes: number; epochs: number }): { buffer: Buffer; entries: ArrayEntry[] } {
  const entries = arrayEntries(a, dims);
  const out = new Float32Array(entries.reduce((s, e) => s + e.length, 0));
  for (const e of entries) out.set(a[e.name as keyof ResultArrays]!, e.offset);
  return { buffer: Buffer.from(out.buffer, out.byteOffset, out.byteLength), entries };
}

/** Reads a run's arrays; throws when the file does not hold what its summary says. */
export function readArrays(path: string, entries: ArrayEntry[]): ResultArrays {
  const buf = readFileSync(path);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const byName = new Map(entries.map((e) => [e.name, e]));
  const out: Partial<ResultArrays> = {};
  for (const name of NAMES) {
    const e = byName.get(name);
    if (!e) {
      if (OPTIONAL.has(name)) continue;
      throw new Error(`${path}: no array "${name}" (results written by another version; run the analysis again)`);
    }
    if (e.offset < 0 || e.offset + e.length > all.length) throw new Error(`${path}: array "${name}" lies outside the file (truncated?)`);
    out[name] = all.subarray(e.offset, e.offset + e.length);
  }
  return out as ResultArrays;
}

export type RunKind = Summary['kind'];

/**
 * The results folder of a dataset: `.label-lens/results/<file name>/` beside a data file, or
 * `.label-lens/results/` inside an image folder (nothing is written outside it).
 */
export function resultsDirFor(dataPath: string): string {
  const abs = resolve(dataPath);
  return isDatasetFolder(abs) ? join(stateDir(abs), 'results') : join(dirname(abs), '.label-lens', 'results', basename(abs));
}

export interface ResultFiles {
  summary: string;
  arrays: string;
  rowsCsv: string;
  /** Image datasets: N × width × height grey levels (uint8), the model's input. */
  thumbs: string;
  /** The embedding map, written after the others (see packMapFile). */
  map: string;
}

/** The files of the last run of a kind in a results folder. */
export function resultFiles(dir: string, kind: RunKind): ResultFiles {
  const prefix = kind === 'analysis' ? '' : 'retrain-';
  return { summary: join(dir, `${prefix}summary.json`), arrays: join(dir, `${prefix}arrays.bin`), rowsCsv: join(dir, `${prefix}rows.csv`), thumbs: join(dir, `${prefix}thumbs.bin`), map: join(dir, `${prefix}map.bin`) };
}

export function readSummary(path: string): Summary {
  return JSON.parse(readFileSync(path, 'utf8')) as Summary;
}

/**
 * Whether a run's map can be shown: `ready` (arrays mapX, mapY and summary.map are set), `missing`
 * (the summary names a map file that is not there, or belongs to another run: still being computed,
 * or its job was stopped before it), `none` (no map was made for this run).
 */
export type MapState = 'ready' | 'missing' | 'none';

export interface Run {
  summary: Summary;
  arrays: ResultArrays;
  /** Image datasets: the engine's decode of every image at the model's input size. */
  thumbs?: Uint8Array;
  /** Absent (a run made in memory, as tests do): as the arrays say. */
  mapState?: MapState;
  /** Why the map file could not be read (damaged), when it was there. */
  mapProblem?: string;
}

/** The last run of a kind in a results folder with its arrays (and its map, when written), or undefined when there is none. */
export function readRun(dir: string, kind: RunKind): Run | undefined {
  const f = resultFiles(dir, kind);
  if (!existsSync(f.summary) || !existsSync(f.arrays)) return undefined;
  const summary = readSummary(f.summary);
  const thumbs = summary.images ? join(dir, basename(summary.images.thumbnails)) : undefined;
  const arrays = readArrays(f.arrays, summary.arrays);
  let mapState: MapState = arrays.mapX && arrays.mapY ? 'ready' : 'none';
  let mapProblem: string | undefined;
  if (summary.mapFile) {
    // A damaged map costs the map, never the analysis.
    let m;
    try { m = readMapFile(join(dir, basename(summary.mapFile)), summary); } catch (err) { mapProblem = err instanceof Error ? err.message : String(err); }
    if (m) { arrays.mapX = m.x; arrays.mapY = m.y; summary.map = m.map; mapState = 'ready'; } else mapState = 'missing';
  }
  return { summary, arrays, thumbs: thumbs && existsSync(thumbs) ? new Uint8Array(readFileSync(thumbs)) : undefined, mapState, ...(mapProblem ? { mapProblem } : {}) };
}

/** The map file's first bytes; then a uint32 (LE) header length, the header (JSON), padding to 4 bytes, x then y as Float32. */
const MAP_MAGIC = 'LLMAP1\n\0';

/** What a map file says about itself: its run (summary.createdAt), rows, and how it was made. */
export interface MapFileHeader {
  run: string;
  rows: number;
  map: MapSummary;
}

/** A map file's bytes: written in one piece (writeResultFile), so a map file on disk is complete. */
export function packMapFile(header: MapFileHeader, x: Float32Array, y: Float32Array): Buffer {
  if (x.length !== header.rows || y.length !== header.rows) throw new Error(`results: map of ${x.length}×${y.length} points, expected ${header.rows}`);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((MAP_MAGIC.length + 4 + json.length) / 4) * 4;
  const out = Buffer.alloc(start + 8 * header.rows);
  out.write(MAP_MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, MAP_MAGIC.length);
  json.copy(out, MAP_MAGIC.length + 4);
  Buffer.from(x.buffer, x.byteOffset, x.byteLength).copy(out, start);
  Buffer.from(y.buffer, y.byteOffset, y.byteLength).copy(out, start + 4 * header.rows);
  return out;
}

/**
 * The map of the run `summary` from its map file; undefined when the file is not there or is of
 * another run (a new analysis whose map is still being made). A file that is there but damaged
 * throws: it was written whole, so it was changed by something else.
 */
export function readMapFile(path: string, summary: Pick<Summary, 'createdAt' | 'rows'>): { x: Float32Array; y: Float32Array; map: MapSummary } | undefined {
  if (!existsSync(path)) return undefined;
  const buf = readFileSync(path);
  if (buf.length < MAP_MAGIC.length + 4 || buf.toString('latin1', 0, MAP_MAGIC.length) !== MAP_MAGIC) throw new Error(`${path}: not a Label Lens map file; run the analysis again`);
  const len = buf.readUInt32LE(MAP_MAGIC.length);
  let header: MapFileHeader;
  try { header = JSON.parse(buf.toString('utf8', MAP_MAGIC.length + 4, MAP_MAGIC.length + 4 + len)) as MapFileHeader; } catch { throw new Error(`${path}: damaged map header; run the analysis again`); }
  if (header.run !== summary.createdAt || header.rows !== summary.rows) return undefined;
  const start = Math.ceil((MAP_MAGIC.length + 4 + len) / 4) * 4;
  if (buf.length !== start + 8 * header.rows) throw new Error(`${path}: ${buf.length} bytes, expected ${start + 8 * header.rows} (truncated?); run the analysis again`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { x: all.subarray(0, header.rows), y: all.subarray(header.rows), map: header.map };
}

/** A run in the history: its summary without the arrays table and the suspects. */
export type RunRecord = Omit<Summary, 'arrays' | 'topSuspects'>;

function runsDir(dir: string): string {
  return join(dir, 'runs');
}

/** Adds a finished run to the history of the results folder. */
export function recordRun(dir: string, summary: Summary): string {
  prepareResultsDir(summary.file, runsDir(dir));
  const { arrays: _a, topSuspects: _t, ...rec } = summary;
  const path = join(runsDir(dir), `${summary.createdAt.replace(/[:.]/g, '-')}-${summary.kind}.json`);
  writeResultFile(path, JSON.stringify(rec));
  return path;
}

/** Every recorded run, oldest first; unreadable records are skipped. */
export function readRuns(dir: string): RunRecord[] {
  const d = runsDir(dir);
  if (!existsSync(d)) return [];
  const out: RunRecord[] = [];
  for (const f of readdirSync(d).filter((n) => n.endsWith('.json')).sort()) {
    try { out.push(JSON.parse(readFileSync(join(d, f), 'utf8')) as RunRecord); } catch { /* a damaged record is not the user's data */ }
  }
  return out;
}
