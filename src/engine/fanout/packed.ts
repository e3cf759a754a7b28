/**
 * The plan's binary files (inputs.bin, folds.bin, each job's output): typed arrays kept in their own
 * type, bit for bit, with a JSON header. Unlike results' arrays.bin (all Float32, for the editor),
 * nothing is converted, so a job reads exactly the arrays `analyze` would have passed to its fold.
 *
 *   "LLPACK1\n" · u32 LE header length · header JSON · padding · arrays, each at an 8-byte boundary
 */
import { UserError } from '../../core/errors';

const MAGIC = 'LLPACK1\n';

const TYPES = {
  int8: Int8Array, uint8: Uint8Array, int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
} as const;
type TypeName = keyof typeof TYPES;
export type Typed = Int8Array | Uint8Array | Int32Array | Uint32Array | Float32Array | Float64Array;

interface Entry { name: string; type: TypeName; offset: number; length: number }
interface Header<M> { meta: M; arrays: Entry[]; bytes: number }

function typeName(a: Typed): TypeName {
  for (const [name, C] of Object.entries(TYPES)) if (a instanceof C) return name as TypeName;
  throw new Error('unsupported array type');
}

const align8 = (n: number) => (n + 7) & ~7;

export function pack<M>(meta: M, arrays: Record<string, Typed | undefined>): Uint8Array {
  const entries: Entry[] = [];
  let at = 0;
  for (const [name, a] of Object.entries(arrays)) {
    if (!a) continue;
    entries.push({ name, type: typeName(a), offset: at, length: a.length });
    at = align8(at + a.byteLength);
  }
  const header = Buffer.from(JSON.stringify({ meta, arrays: entries, bytes: at } satisfies Header<M>), 'utf8');
  const start = align8(MAGIC.length + 4 + header.length);
  const out = new Uint8Array(start + at);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  for (const e of entries) {
    const a = arrays[e.name]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + e.offset);
  }
  return out;
}

export interface Unpacked<M> {
  meta: M;
  arrays: Map<string, Typed>;
}

/** Reads a packed file; `where` names it in the error when the bytes are not one (or are cut short). */
export function unpack<M>(bytes: Uint8Array, where: string): Unpacked<M> {
  const bad = (why: string) => new UserError('data', `${where}: not a complete Label Lens plan file (${why}); run the step that writes it again`, { file: where });
  if (bytes.length < MAGIC.length + 4 || Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1') !== MAGIC) throw bad('no LLPACK1 header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + hlen > bytes.length) throw bad('header cut short');
  let header: Header<M>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + hlen)).toString('utf8')) as Header<M>;
  } catch {
    throw bad('header is not JSON');
  }
  const start = align8(MAGIC.length + 4 + hlen);
  if (!Array.isArray(header.arrays) || bytes.length !== start + header.bytes) throw bad(`${bytes.length} bytes, expected ${start + (header.bytes ?? 0)}`);
  // Typed views need aligned offsets: a buffer that does not start at a multiple of 8 is copied once.
  const base = (bytes.byteOffset + start) % 8 === 0 ? bytes : bytes.slice();
  const arrays = new Map<string, Typed>();
  for (const e of header.arrays) {
    const C = TYPES[e.type];
    if (!C || e.offset + e.length * C.BYTES_PER_ELEMENT > header.bytes) throw bad(`array ${e.name} out of bounds`);
    arrays.set(e.name, new C(base.buffer as ArrayBuffer, base.byteOffset + start + e.offset, e.length));
  }
  return { meta: header.meta, arrays };
}

const ARRAY_REF = '$array';
const NUMBER_REF = '$number';

/**
 * Packs an object tree: its typed arrays as arrays (named by their path), everything else as JSON
 * in the header, non-finite numbers included. New fields of FoldInput or FoldOutput travel without
 * a change here, so a job never silently loses an input that `analyze` would have used.
 */
export function packTree(tree: object): Uint8Array {
  const arrays: Record<string, Typed> = {};
  const walk = (v: unknown, path: string): unknown => {
    if (ArrayBuffer.isView(v)) {
      if (v instanceof DataView) throw new Error(`${path}: DataView is not packed`);
      arrays[path] = v as Typed;
      return { [ARRAY_REF]: path };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { [NUMBER_REF]: String(v) };
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
    return v;
  };
  const meta = walk(tree, '');
  return pack(meta, arrays);
}

export function unpackTree<T>(bytes: Uint8Array, where: string): T {
  const u = unpack<unknown>(bytes, where);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o[ARRAY_REF] === 'string') {
        const a = u.arrays.get(o[ARRAY_REF] as string);
        if (!a) throw new UserError('data', `${where}: array ${String(o[ARRAY_REF])} missing; run the step that writes it again`, { file: where });
        return a;
      }
      if (typeof o[NUMBER_REF] === 'string') return Number(o[NUMBER_REF]);
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(u.meta) as T;
}
