/**
 * NumPy's .npy format (version 1.0–3.0), read and written for 2-D float arrays: what
 * `np.save("probs.npy", pred_probs)` writes and `np.load` reads. Magic "\x93NUMPY", version, a
 * little-endian header length, a Python dict literal ({'descr': '<f4', 'fortran_order': False,
 * 'shape': (N, K), }) padded with spaces to a multiple of 64 bytes, then the raw data.
 * See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { UserError } from '../errors';

export interface NpyArray {
  /** [rows, cols]; a 1-D array is read as [n, 1]. */
  shape: [number, number];
  /** Row-major. */
  data: Float64Array | Float32Array;
  dtype: 'float32' | 'float64';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function fail(file: string, message: string): never {
  throw new UserError('data', `${file}: ${message}`, { file });
}

/** Parses an .npy file's bytes; `file` names it in errors. */
export function readNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail(file, 'not a NumPy .npy file (expected it to start with \\x93NUMPY, as np.save writes)');
  const major = bytes[6];
  if (major < 1 || major > 3) fail(file, `.npy format version ${major}.${bytes[7]}: expected 1.0, 2.0 or 3.0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(file, 'the .npy header is cut short (the file is truncated)');
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(file, `unreadable .npy header ${JSON.stringify(header.trim())}: expected descr, fortran_order and shape`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) fail(file, `bad shape (${shapeText}) in the .npy header`);
  if (dims.length !== 1 && dims.length !== 2) fail(file, `a ${dims.length}-D array of shape (${dims.join(', ')}): expected a 2-D array (rows × classes)`);
  const m = /^([<>|=])f([48])$/.exec(descr);
  if (!m) fail(file, `element type '${descr}': expected float32 ('<f4') or float64 ('<f8') (convert with arr.astype(np.float32))`);
  const size = Number(m[2]);
  const little = m[1] !== '>';
  const [rows, cols] = dims.length === 2 ? [dims[0], dims[1]] : [dims[0], 1];
  const n = rows * cols;
  if (bytes.length - dataStart < n * size) fail(file, `holds ${Math.floor((bytes.length - dataStart) / size)} values, the header promises ${rows}×${cols} = ${n} (the file is truncated)`);

  const data = size === 4 ? new Float32Array(n) : new Float64Array(n);
  const at = view.byteOffset + dataStart;
  const dv = new DataView(view.buffer, at, n * size);
  const fortranOrder = fortran === 'True';
  for (let j = 0; j < n; j++) {
    const v = size === 4 ? dv.getFloat32(j * 4, little) : dv.getFloat64(j * 8, little);
    // Fortran order stores columns one after another; we keep rows together.
    const dst = fortranOrder ? (j % rows) * cols + Math.floor(j / rows) : j;
    data[dst] = v;
  }
  return { shape: [rows, cols], data, dtype: size === 4 ? 'float32' : 'float64' };
}

/** An .npy file (version 1.0, little-endian, C order) holding a rows × cols float array. */
export function writeNpy(shape: [number, number], data: ArrayLike<number>, dtype: 'float32' | 'float64' = 'float32'): Buffer {
  const [rows, cols] = shape;
  if (data.length !== rows * cols) throw new RangeError(`writeNpy: ${data.length} values for shape ${rows}×${cols}`);
  const size = dtype === 'float32' ? 4 : 8;
  let dict = `{'descr': '<f${size}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // Magic (6) + version (2) + length (2) + dict + '\n' is a multiple of 64.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = Buffer.alloc(total + rows * cols * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, 'latin1');
  const dv = new DataView(out.buffer, out.byteOffset + total, rows * cols * size);
  for (let j = 0; j < data.length; j++) {
    if (size === 4) dv.setFloat32(j * 4, data[j], true); else dv.setFloat64(j * 8, data[j], true);
  }
  return out;
}
