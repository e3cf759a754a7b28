/**
 * Images: thumbnails drawn on canvases (grey levels from the host, never an image URL), and the
 * geometry of the grid mode, where the same virtualized list is laid out as tiles.
 */
import type { RowView } from '../src/protocol/webview';
import { el } from './dom';

/** A canvas showing a row's thumbnail, scaled up with square pixels by CSS. */
export function thumbCanvas(t: NonNullable<RowView['thumb']>, cls: string): HTMLCanvasElement {
  const c = el('canvas', { width: t.width, height: t.height, class: cls });
  const ctx = c.getContext('2d');
  if (ctx) {
    const bytes = Uint8Array.from(atob(t.data), (ch) => ch.charCodeAt(0));
    const img = ctx.createImageData(t.width, t.height);
    for (let i = 0; i < bytes.length && i < t.width * t.height; i++) {
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = bytes[i];
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }
  return c;
}

/** Text under a tile: height in px. */
export const TILE_CAPTION = 34;

export interface Geometry {
  /** Height of one line of the list: a table row, or a row of tiles. */
  lineHeight: number;
  /** Positions per line: 1 in the table, tiles per row in the grid. */
  perLine: number;
  /** Tile width in the grid (0 in the table). */
  tile: number;
}

export function gridGeometry(width: number, tile: number): Geometry {
  return { lineHeight: tile + TILE_CAPTION, perLine: Math.max(1, Math.floor(width / tile)), tile };
}
