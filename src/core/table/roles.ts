/**
 * Column roles: which column is the id, the label, the text, numeric features or image pixels.
 * Inferred from names and a sample of values, each choice with a one-line reason; every role can
 * be overridden by name or 1-based position.
 */
import { MIN_EMBEDDING_DIM, parseVector } from '../embeddings';

export interface PixelShape {
  columns: number[];
  width: number;
  height: number;
}

export interface Roles {
  id?: number;
  label?: number;
  text?: number;
  features: number[];
  pixels?: PixelShape;
  /** The column holding each row's image path (an image folder's "path", or a path column of a CSV); pixels are decoded from the files. */
  images?: { column: number };
  /** A column of vectors (the user's own embeddings): the model learns from them first. */
  embedding?: number;
  why: { id: string; label: string; text: string; features: string; pixels: string; embedding: string };
}

export interface RoleOverrides {
  id?: string;
  label?: string;
  text?: string;
  /** Comma-separated names or positions. */
  features?: string;
  /** The embedding column, or "none" for no embedding column. */
  embedding?: string;
}

const LABEL_NAMES = /^(label|labels|class|classes|category|categories|target|y|tag|sentiment|intent|topic|label_?desc?|gold|annotation|emotion|stance)$/i;
const TEXT_NAMES = /^(text|texts|sentence|sentences|content|body|review|message|msg|title|description|comment|document|doc|utterance|query|question|input)$/i;
const ID_NAMES = /^(id|_id|idx|index|uid|uuid|guid|key|row_?id|sample_?id|example_?id|doc_?id|[a-z]+_id)$/i;
const PIXEL_NAME = /^(?:px|pixel|pix)[_-]?(\d+)$/i;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface ColumnStats {
  nonEmpty: number;
  distinct: number;
  numeric: number;
  meanLength: number;
  integers: number;
}

/** `[...t].length` (code points; a lone surrogate counts as one) without making the array. */
function codePoints(t: string): number {
  let n = t.length;
  for (let i = 0; i < t.length - 1; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) { const d = t.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) { n--; i++; } }
  }
  return n;
}

function statsOf(values: string[]): ColumnStats {
  const set = new Set<string>();
  let nonEmpty = 0, numeric = 0, integers = 0, len = 0;
  for (const v of values) {
    const t = v.trim();
    if (t === '') continue;
    nonEmpty++;
    set.add(t);
    len += codePoints(t);
    if (NUMBER.test(t)) { numeric++; if (/^[+-]?\d+$/.test(t)) integers++; }
  }
  return { nonEmpty, distinct: set.size, numeric, integers, meanLength: nonEmpty ? len / nonEmpty : 0 };
}

export function resolveColumn(header: string[], ref: string, role: string): number {
  const byName = header.indexOf(ref);
  if (byName >= 0) return byName;
  const ci = header.findIndex((h) => h.toLowerCase() === ref.toLowerCase());
  if (ci >= 0) return ci;
  if (/^\d+$/.test(ref) && Number(ref) >= 1 && Number(ref) <= header.length) return Number(ref) - 1;
  throw new RangeError(`no column "${ref}" for the ${role}: expected one of ${header.slice(0, 20).map((h) => JSON.stringify(h)).join(', ')}${header.length > 20 ? ', …' : ''} or a position 1..${header.length}`);
}

function pixelColumns(header: string[]): PixelShape | undefined {
  const cols: { col: number; k: number }[] = [];
  header.forEach((h, col) => { const m = PIXEL_NAME.exec(h); if (m) cols.push({ col, k: Number(m[1]) }); });
  if (cols.length < 16) return undefined;
  cols.sort((a, b) => a.k - b.k);
  const side = Math.round(Math.sqrt(cols.length));
  if (side * side !== cols.length) return undefined;
  return { columns: cols.map((c) => c.col), width: side, height: side };
}

/**
 * Infers roles from the header and sample rows (cells aligned with the header).
 * `overrides` win over inference; a bad override throws with the expected names.
 */
export function inferRoles(header: string[], sample: string[][], overrides: RoleOverrides = {}): Roles {
  const n = header.length;
  const stats = header.map((_, c) => statsOf(sample.map((r) => r[c] ?? '')));
  const rows = sample.length;
  const why = { id: '', label: '', text: '', features: '', pixels: '', embedding: '' };
  const taken = new Set<number>();

  const pixels = overrides.features ? undefined : pixelColumns(header);
  if (pixels) {
    pixels.columns.forEach((c) => taken.add(c));
    why.pixels = `${pixels.columns.length} columns named like px0..px${pixels.columns.length - 1} form a ${pixels.width}×${pixels.height} image`;
  } else why.pixels = 'no px0..pxN columns forming a square image';

  // Id.
  let id: number | undefined;
  if (overrides.id) { id = resolveColumn(header, overrides.id, 'id'); why.id = `"${header[id]}" chosen by the user`; } else {
    const unique = (c: number) => stats[c].nonEmpty === rows && stats[c].distinct === rows;
    // A column named like an id stays the id when a few of its values repeat or are blank: those
    // rows are reported and refused for edits by id, instead of every id silently becoming a position.
    const mostlyUnique = (c: number) => stats[c].distinct >= 2 && rows - stats[c].distinct <= Math.max(2, 0.1 * rows);
    id = header.findIndex((h, c) => !taken.has(c) && ID_NAMES.test(h) && unique(c));
    const flawed = id >= 0 ? -1 : header.findIndex((h, c) => !taken.has(c) && ID_NAMES.test(h) && mostlyUnique(c));
    if (id >= 0) why.id = `"${header[id]}" is named like an id and its ${rows} sampled values are unique`;
    else if (flawed >= 0) {
      id = flawed;
      why.id = `"${header[id]}" is named like an id; ${rows - stats[id].distinct} of its ${rows} sampled values repeat or are blank (see the problems)`;
    } else {
      id = header.findIndex((_, c) => !taken.has(c) && unique(c) && stats[c].integers === rows && c === 0);
      if (id >= 0) why.id = `"${header[id]}", the first column, holds unique whole numbers`;
      else { id = undefined; why.id = 'no column of unique ids: rows are named by their position (row 1, 2, …)'; }
    }
  }
  if (id !== undefined) taken.add(id);

  // Label.
  let label: number | undefined;
  const plausibleLabel = (c: number) => stats[c].distinct >= 2 && stats[c].distinct <= Math.max(2, Math.min(1000, rows * 0.5)) && stats[c].meanLength <= 60;
  if (overrides.label) { label = resolveColumn(header, overrides.label, 'label'); why.label = `"${header[label]}" chosen by the user`; } else {
    const named = header.findIndex((h, c) => !taken.has(c) && LABEL_NAMES.test(h) && stats[c].distinct >= 1);
    if (named >= 0) {
      label = named;
      why.label = `"${header[named]}" is named like a label and holds ${stats[named].distinct} distinct values in ${rows} sampled rows`;
    } else {
      let best = -1;
      let bestScore = Infinity;
      for (let c = 0; c < n; c++) {
        if (taken.has(c) || !plausibleLabel(c) || stats[c].distinct > rows * 0.2) continue;
        // Fewest distinct values per row wins; the later column breaks ties, as labels usually come last.
        const score = stats[c].distinct / Math.max(1, stats[c].nonEmpty) - c * 1e-9;
        if (score < bestScore) { bestScore = score; best = c; }
      }
      if (best >= 0) {
        label = best;
        why.label = `"${header[best]}" has few distinct values (${stats[best].distinct} in ${rows} sampled rows), as class labels do`;
      } else why.label = 'no column looks like class labels (few distinct, short values); name one with --label';
    }
  }
  if (label !== undefined) taken.add(label);

  // Embedding: before text, which a column of long "[0.1, …]" strings would otherwise look like.
  let embedding: number | undefined;
  if (overrides.embedding && overrides.embedding.toLowerCase() !== 'none') {
    embedding = resolveColumn(header, overrides.embedding, 'embedding');
    why.embedding = `"${header[embedding]}" chosen by the user`;
  } else if (overrides.embedding) why.embedding = 'turned off by the user';
  else {
    for (let c = 0; c < n && embedding === undefined; c++) {
      // A cell that is one number is no vector (fewer than MIN_EMBEDDING_DIM numbers): a column with
      // more than a few such cells cannot reach the 95% below, and is not parsed cell by cell.
      if (taken.has(c) || stats[c].nonEmpty === 0 || stats[c].numeric > 0.1 * stats[c].nonEmpty) continue;
      const dims = new Map<number, number>();
      let vectors = 0;
      for (const r of sample) { const v = parseVector(r[c] ?? ''); if (v && v.length >= MIN_EMBEDDING_DIM) { vectors++; dims.set(v.length, (dims.get(v.length) ?? 0) + 1); } }
      const [dim, most] = [...dims.entries()].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
      if (vectors >= 0.95 * stats[c].nonEmpty && most >= 0.95 * vectors) {
        embedding = c;
        why.embedding = `"${header[c]}" holds vectors of ${dim} numbers`;
      }
    }
    if (embedding === undefined) why.embedding = 'no column of vectors ([0.1, -0.2, …] or space-separated numbers)';
  }
  if (embedding !== undefined) taken.add(embedding);

  // Text.
  let text: number | undefined;
  if (overrides.text) { text = resolveColumn(header, overrides.text, 'text'); why.text = `"${header[text]}" chosen by the user`; } else {
    let best = -1;
    let bestLen = 0;
    for (let c = 0; c < n; c++) {
      if (taken.has(c) || stats[c].nonEmpty === 0 || stats[c].numeric > 0.9 * stats[c].nonEmpty) continue;
      const len = stats[c].meanLength + (TEXT_NAMES.test(header[c]) ? 1000 : 0);
      if (len > bestLen) { bestLen = len; best = c; }
    }
    if (best >= 0 && (stats[best].meanLength >= 8 || TEXT_NAMES.test(header[best]))) {
      text = best;
      why.text = `"${header[best]}" ${TEXT_NAMES.test(header[best]) ? 'is named like text and ' : ''}holds free text (mean ${stats[best].meanLength.toFixed(0)} characters)`;
    } else why.text = 'no column of free text';
  }
  if (text !== undefined) taken.add(text);

  // Numeric features.
  let features: number[];
  if (overrides.features) {
    features = overrides.features.split(',').map((f) => resolveColumn(header, f.trim(), 'features'));
    why.features = `${features.length} columns chosen by the user`;
  } else {
    features = [];
    for (let c = 0; c < n; c++) {
      if (taken.has(c) || stats[c].nonEmpty === 0) continue;
      if (stats[c].numeric >= 0.95 * stats[c].nonEmpty) features.push(c);
    }
    why.features = features.length
      ? `${features.length} numeric columns (${features.slice(0, 5).map((c) => header[c]).join(', ')}${features.length > 5 ? ', …' : ''})`
      : 'no numeric feature columns';
  }
  return { id, label, text, features, pixels, embedding, why };
}

/** What the model can learn from, in order of preference. */
export function dataKind(roles: Roles): 'embedding' | 'text' | 'pixels' | 'tabular' | 'none' {
  if (roles.embedding !== undefined) return 'embedding';
  if (roles.text !== undefined) return 'text';
  if (roles.pixels) return 'pixels';
  if (roles.features.length > 0) return 'tabular';
  return 'none';
}
