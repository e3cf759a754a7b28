/**
 * The row index: byte offsets of every record in typed arrays, so that a file of a million rows
 * is opened without one JavaScript object per row, and any row is re-read from the bytes on demand.
 */
export class RowIndexBuilder {
  private cap = 1024;
  count = 0;
  start = new Float64Array(this.cap);
  end = new Float64Array(this.cap);
  line = new Uint32Array(this.cap);
  damaged = new Uint8Array(this.cap);

  push(start: number, end: number, line: number, damaged: boolean): number {
    if (this.count === this.cap) this.grow();
    const i = this.count++;
    this.start[i] = start;
    this.end[i] = end;
    this.line[i] = line;
    this.damaged[i] = damaged ? 1 : 0;
    return i;
  }

  private grow(): void {
    this.cap *= 2;
    const s = new Float64Array(this.cap); s.set(this.start); this.start = s;
    const e = new Float64Array(this.cap); e.set(this.end); this.end = e;
    const l = new Uint32Array(this.cap); l.set(this.line); this.line = l;
    const d = new Uint8Array(this.cap); d.set(this.damaged); this.damaged = d;
  }

  finish(): RowIndex {
    const n = this.count;
    return { count: n, start: this.start.slice(0, n), end: this.end.slice(0, n), line: this.line.slice(0, n), damaged: this.damaged.slice(0, n) };
  }
}

export interface RowIndex {
  count: number;
  /** Byte offset of the first byte of each record. */
  start: Float64Array;
  /** Byte offset just past the record's last byte, line terminator excluded. */
  end: Float64Array;
  /** 1-based line on which each record starts. */
  line: Uint32Array;
  /** 1 when the record could not be read as a proper row: reported, skipped for analysis, kept in the file. */
  damaged: Uint8Array;
}

/** A field's place in the file: [start, end) in bytes, and whether it is wrapped in quotes. */
export interface FieldSpan {
  start: number;
  end: number;
  quoted: boolean;
}
