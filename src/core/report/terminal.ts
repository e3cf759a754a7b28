/** Text for a terminal: display widths (CJK takes two columns) and no control characters. */

/** Terminal columns a string takes: East Asian wide and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd) ? 2 : 1;
  }
  return w;
}

export function padDisplay(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/**
 * C0 controls but the line feed, DEL, C1 controls (0x9b is a one-byte CSI), and the bidirectional
 * overrides and isolates that reorder what a terminal shows ("Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every control character written as a visible escape (ESC → \x1b, BEL → \x07,
 * CR → \r; DEL, C1 and bidi controls → \u009b…), so data printed to a terminal (class names, ids,
 * file names) cannot move the cursor, clear the screen, set the clipboard (OSC 52) or change the
 * title. Line feeds are kept. JSON.stringify already escapes C0 controls, and the \uXXXX form of
 * the others is JSON too, so `--json` output stays valid and parses back to the raw values.
 */
export function terminalSafe(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code < 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
