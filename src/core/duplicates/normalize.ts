/**
 * The normalisation under which two texts count as exact duplicates:
 * 1. Unicode NFKC: compatibility forms fold to their plain form — full-width ASCII (ＡＢＣ１２３) to
 *    ASCII, the ideographic space U+3000 to a space, ligatures (ﬁ) to letters, half-width katakana to
 *    full-width, composed and decomposed accents to one form;
 * 2. format characters (Unicode category Cf: zero-width space and joiners, the BOM, soft hyphen)
 *    removed: they are invisible and often survive copy-paste;
 * 3. case folded (toLowerCase after NFKC, locale-independent);
 * 4. whitespace runs (any Unicode White_Space, line breaks included) collapsed to one space, and
 *    trimmed at both ends.
 * Punctuation, digits and word order are kept: texts that differ there are near-duplicates at most.
 */

const FORMAT = /\p{Cf}+/gu;
const SPACE = /\s+/gu;
const ASCII_PLAIN = /^[\x20-\x7e]*$/;

export function normalizeText(s: string): string {
  // Fast path: printable ASCII needs no NFKC and has no format characters.
  const t = ASCII_PLAIN.test(s) ? s : s.normalize('NFKC').replace(FORMAT, '');
  return t.toLowerCase().replace(SPACE, ' ').trim();
}

/** 53-bit hash of a string (two 32-bit FNV-1a variants), for grouping before an exact comparison. */
export function hash53(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
