/**
 * A virtualized list of rows: only the rows in view are in the DOM, and rows are fetched from the
 * host a page at a time, so 100,000 rows scroll as smoothly as 100 and the webview never holds the
 * whole file.
 */
import type { RowView } from '../src/protocol/webview';

export const PAGE_SIZE = 200;

/** Rows [first, last) to render for a viewport, with `overscan` extra rows on each side. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 10): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

/** Pages (of PAGE_SIZE rows) that cover positions [first, last). */
export function pagesFor(first: number, last: number): number[] {
  if (last <= first) return [];
  const out: number[] = [];
  for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor((last - 1) / PAGE_SIZE); p++) out.push(p);
  return out;
}

/** Pages received from the host, for one query; a new query starts a new cache. */
export class PageCache {
  private pages = new Map<number, RowView[]>();
  private pending = new Set<number>();
  /** Pages held but out of date: shown until their new contents arrive. */
  private stale = new Set<number>();
  total = 0;

  constructor(readonly queryKey: string) {}

  get(position: number): RowView | undefined {
    return this.pages.get(Math.floor(position / PAGE_SIZE))?.[position % PAGE_SIZE];
  }

  /** Pages among `pages` neither held nor asked for; marks them asked. */
  missing(pages: number[]): number[] {
    const out = pages.filter((p) => (!this.pages.has(p) || this.stale.has(p)) && !this.pending.has(p));
    out.forEach((p) => this.pending.add(p));
    return out;
  }

  put(offset: number, rows: RowView[], total: number): void {
    const p = Math.floor(offset / PAGE_SIZE);
    this.pages.set(p, rows);
    this.pending.delete(p);
    this.stale.delete(p);
    this.total = total;
  }

  /**
   * After edits: every page is fetched again, but the old rows stay until then. The order is the
   * host's snapshot, so a position still names the same row and keys keep acting on the right one.
   */
  invalidate(): void {
    for (const p of this.pages.keys()) this.stale.add(p);
    this.pending.clear();
  }
}
