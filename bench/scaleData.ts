/**
 * The scale bench's text files, built from a shared dataset at bench time (never committed). Every
 * row is a new text composed of SEGMENTS pieces of different real toutiao_news_38k titles of one
 * class: the row's length is that of a random title of the class, cut into SEGMENTS roughly equal
 * parts, each part a window of characters at a random place in another random title of the class.
 * So a file of any size has texts of real lengths and real class vocabulary that a model can learn,
 * a vocabulary that grows with the rows, and no heavy reuse: two rows share a whole window only by
 * chance (38k titles × their offsets), and a near-copy pair (Jaccard ≥ 0.5) needs most of a row's
 * windows to coincide, which is rare at any size — unlike the earlier head-of-one + tail-of-another
 * rows, whose 38k heads were each reused ~26 times at 1M (duplicates superlinear, AP 1.000 because
 * a flipped row's head was outvoted by its copies). 10% of the labels are flipped to another class at
 * random (seeded), and which ones is kept beside the file, so that the table can show the analysis
 * still finds them at every size.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../src/core/random';
import { Table } from '../src/core/table/table';
import { quoteIfNeeded } from '../src/core/table/csv';
import { OUT, SHARED } from './noisy';

export const NOISE = 0.1;
/** Pieces of different titles in a row. */
export const SEGMENTS = 3;

export interface ScaleFile {
  path: string;
  /** 1 where the label was flipped. */
  truth: Uint8Array;
  bytes: number;
}

export function scaleFile(rows: number, seed = 1): ScaleFile {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `scale-composed-${rows}.csv`);
  const truthPath = `${path}.truth`;
  if (existsSync(path) && existsSync(truthPath)) return { path, truth: new Uint8Array(readFileSync(truthPath)), bytes: readFileSync(path).length };
  const src = new Table('toutiao_news_38k.csv', readFileSync(join(SHARED, 'data', 'toutiao_news_38k', 'data.csv')));
  const textCol = src.header.indexOf('text');
  const labelCol = src.header.indexOf('label');
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < src.rowCount; i++) { const r = src.row(i); texts.push(r[textCol]); labels.push(r[labelCol]); }
  const classes = [...new Set(labels)].sort();
  const byClass = new Map<string, number[]>(classes.map((c) => [c, []]));
  labels.forEach((l, i) => byClass.get(l)!.push(i));
  const rng = new Random(seed);
  /** A window of `n` characters at a random place in `t` (all of it when shorter). */
  const windowOf = (t: string, n: number) => {
    const chars = [...t];
    if (chars.length <= n) return t;
    const at = rng.int(chars.length - n + 1);
    return chars.slice(at, at + n).join('');
  };
  const truth = new Uint8Array(rows);
  const out: string[] = ['id,text,label'];
  for (let i = 0; i < rows; i++) {
    const a = rng.int(texts.length);
    const same = byClass.get(labels[a])!;
    const length = [...texts[a]].length;
    let text = '';
    for (let s = 0; s < SEGMENTS; s++) {
      const n = Math.max(1, Math.round(((s + 1) * length) / SEGMENTS) - Math.round((s * length) / SEGMENTS));
      text += windowOf(texts[same[rng.int(same.length)]], n);
    }
    let label = labels[a];
    if (rng.next() < NOISE) {
      const k = rng.int(classes.length - 1);
      label = classes[k >= classes.indexOf(label) ? k + 1 : k];
      truth[i] = 1;
    }
    out.push(`${i},${quoteIfNeeded(text, ',', false)},${label}`);
  }
  const data = out.join('\n') + '\n';
  writeFileSync(path, data);
  writeFileSync(truthPath, truth);
  return { path, truth, bytes: Buffer.byteLength(data) };
}
