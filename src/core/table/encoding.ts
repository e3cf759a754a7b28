/**
 * Text encodings of data files: detection, decoding of byte ranges and encoding of new field values.
 *
 * Parsing works on bytes, not on decoded text, so that every row and field is known by its byte
 * offsets and a save can patch exactly the bytes of one field. That is sound because, in every
 * encoding supported here, the structural characters (tab, LF, CR, `"`, `,`, `{`, `}`, `:`) are
 * ASCII code units that never occur inside a multi-byte character: UTF-8 continuation bytes are
 * ≥ 0x80, and GB18030 trail bytes are 0x30–0x39 or 0x40–0xFE, all above 0x2C. UTF-16 is read in
 * 2-byte code units, where the same holds per unit.
 */
import * as iconv from 'iconv-lite';

export type EncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

export interface EncodingInfo {
  name: EncodingName;
  /** Length in bytes of the byte-order mark at the start of the file (0 when there is none). */
  bomLength: number;
  /** Bytes per code unit: 1 for UTF-8 and GB18030, 2 for UTF-16. */
  unit: 1 | 2;
  /** How the encoding was chosen, for the user. */
  why: string;
}

/** Parses a user-supplied encoding name ("gbk", "GB2312", "utf8", "utf-16"...). */
export function parseEncodingName(name: string): EncodingName | undefined {
  const n = name.trim().toLowerCase().replace(/_/g, '-');
  if (n === 'utf-8' || n === 'utf8') return 'utf-8';
  if (n === 'utf-16le' || n === 'utf16le' || n === 'utf-16' || n === 'ucs-2') return 'utf-16le';
  if (n === 'utf-16be' || n === 'utf16be') return 'utf-16be';
  // GBK and GB2312 are subsets of GB18030: decoding them as GB18030 gives the same text, and
  // GB18030 can encode any label a user types, so one codec serves all three.
  if (n === 'gb18030' || n === 'gbk' || n === 'gb2312' || n === 'cp936') return 'gb18030';
  return undefined;
}

function bomOf(bytes: Uint8Array): { name: EncodingName; length: number } | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { name: 'utf-8', length: 3 };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { name: 'utf-16le', length: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { name: 'utf-16be', length: 2 };
  if (bytes.length >= 4 && bytes[0] === 0x84 && bytes[1] === 0x31 && bytes[2] === 0x95 && bytes[3] === 0x33) {
    return { name: 'gb18030', length: 4 };
  }
  return undefined;
}

/**
 * Returns the byte offset of the first invalid UTF-8 sequence at or after `from`, or -1.
 * Hand-written because TextDecoder's fatal mode says only that the input is invalid, not where.
 */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let i = from;
  while (i < to) {
    const b = bytes[i];
    if (b < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; } else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; } else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; } else return i;
    if (i + need >= to) return i; // truncated sequence
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Returns the offset of the first byte GB18030 cannot decode (a lone lead byte, a bad trail byte), or -1. */
export function firstInvalidGb18030(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let i = from;
  while (i < to) {
    const b = bytes[i];
    if (b < 0x80) { i++; continue; }
    if (b === 0x80 || b === 0xff) return i;
    const c = bytes[i + 1];
    if (i + 1 >= to) return i;
    if ((c >= 0x40 && c <= 0x7e) || (c >= 0x80 && c <= 0xfe)) { i += 2; continue; }
    if (c >= 0x30 && c <= 0x39) {
      if (i + 3 >= to) return i;
      const d = bytes[i + 2];
      const e = bytes[i + 3];
      if (d >= 0x81 && d <= 0xfe && e >= 0x30 && e <= 0x39) { i += 4; continue; }
    }
    return i;
  }
  return -1;
}

/**
 * Chooses the encoding of a file: a byte-order mark decides; otherwise valid UTF-8 is UTF-8
 * (ASCII included), and text that is not UTF-8 but is valid GB18030 is GB18030, the usual
 * encoding of Chinese files saved by Excel or older tools. An override skips detection but
 * keeps the BOM length, so a BOM is never mistaken for data.
 */
export function detectEncoding(bytes: Uint8Array, override?: EncodingName): EncodingInfo {
  const bom = bomOf(bytes);
  if (override) {
    // A UTF-8 mark before GBK text (some tools add one to any file they save) is a mark, not text:
    // read as GBK it would become "锘" glued to the first column's name.
    const bomLength = bom && (bom.name === override || (bom.name === 'utf-8' && override === 'gb18030')) ? bom.length : 0;
    return { name: override, bomLength, unit: override.startsWith('utf-16') ? 2 : 1, why: `chosen by the user (${override})` };
  }
  if (bom) {
    return { name: bom.name, bomLength: bom.length, unit: bom.name.startsWith('utf-16') ? 2 : 1, why: `byte-order mark of ${bom.name}` };
  }
  const badUtf8 = firstInvalidUtf8(bytes);
  if (badUtf8 < 0) return { name: 'utf-8', bomLength: 0, unit: 1, why: 'every byte is valid UTF-8' };
  if (firstInvalidGb18030(bytes) < 0) {
    return { name: 'gb18030', bomLength: 0, unit: 1, why: `not valid UTF-8 (byte ${badUtf8}) but valid GB18030/GBK` };
  }
  return { name: 'utf-8', bomLength: 0, unit: 1, why: `neither valid UTF-8 nor GB18030; read as UTF-8 with undecodable bytes reported` };
}

const utf8Decoder = new TextDecoder('utf-8');

export function decode(bytes: Uint8Array, enc: EncodingName, start = 0, end = bytes.length): string {
  const view = bytes.subarray(start, end);
  if (enc === 'utf-8') return utf8Decoder.decode(view);
  if (enc === 'utf-16le') return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('utf16le');
  return iconv.decode(Buffer.from(view.buffer, view.byteOffset, view.byteLength), enc);
}

export function encode(text: string, enc: EncodingName): Buffer {
  if (enc === 'utf-8') return Buffer.from(text, 'utf8');
  if (enc === 'utf-16le') return Buffer.from(text, 'utf16le');
  return iconv.encode(text, enc);
}

/** Finds the first undecodable byte in [from, to) for the encoding, or -1. */
export function firstInvalid(bytes: Uint8Array, enc: EncodingName, from: number, to: number): number {
  if (enc === 'utf-8') return firstInvalidUtf8(bytes, from, to);
  if (enc === 'gb18030') return firstInvalidGb18030(bytes, from, to);
  return -1; // UTF-16: any code-unit sequence decodes (lone surrogates become U+FFFD) and is kept byte-exact.
}

/**
 * Why the detected encoding may be wrong, for a problem shown to the user; undefined when it looks
 * right. Two cases tools produce: a UTF-8 mark before GBK text, and UTF-16 saved without a mark
 * (read as UTF-8, every other byte is NUL).
 */
export function encodingDoubt(bytes: Uint8Array, enc: EncodingInfo, overridden: boolean): { message: string; at: number } | undefined {
  if (overridden) return undefined;
  if (enc.name === 'utf-8' && enc.bomLength === 3) {
    const bad = firstInvalidUtf8(bytes, 3);
    if (bad >= 0 && firstInvalidGb18030(bytes, 3) < 0) {
      return { at: bad, message: `the file starts with a UTF-8 byte-order mark, but its text is not UTF-8 (byte 0x${bytes[bad].toString(16)}): it reads as GBK/GB18030 after the mark; open it with --encoding gbk` };
    }
  }
  if (enc.name === 'utf-8' && enc.bomLength === 0 && bytes.length >= 4) {
    const n = Math.min(bytes.length & ~1, 4096);
    let evenZeros = 0, oddZeros = 0;
    for (let i = 0; i < n; i += 2) { if (bytes[i] === 0) evenZeros++; if (bytes[i + 1] === 0) oddZeros++; }
    const pairs = n / 2;
    if (oddZeros > 0.3 * pairs && evenZeros < 0.05 * pairs) return { at: 1, message: 'every other byte is NUL: the file may be UTF-16 (little-endian) without a byte-order mark; open it with --encoding utf-16le' };
    if (evenZeros > 0.3 * pairs && oddZeros < 0.05 * pairs) return { at: 0, message: 'every other byte is NUL: the file may be UTF-16 (big-endian) without a byte-order mark; open it with --encoding utf-16be' };
  }
  return undefined;
}
