/**
 * The scale bench's text files, built from a shared dataset at bench time (never committed): every
 * row is a new title spliced from two real toutiao_news_38k titles of the same class (the head of
 * one, the tail of another, cut at 30–70% of each), so a file of any size has distinct texts of
 * real lengths, a vocabulary that grows with the rows, and labels a model can learn, and no
 * exact or near copies for the duplicate phase to fold away (two rows sharing a head share about a
 * third of their n-grams, below the 0.5 Jaccard threshold). 10% of the labels are flipped to
 * another class at random (seeded), and which ones is kept beside the file, so that the table can
 * show the analysis still finds them at every size.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../src/core/random';
import { Table } from '../src/core/table/table';
import { quoteIfNeeded } from '../src/core/table/csv';
import { OUT, SHARED } from './noisy';

export const NOISE = 0.1;

export interface ScaleFile {
  path: string;
  /** 1 where the label was flipped. */
  truth: Uint8Array;
  bytes: number;
}

export function scaleFile(rows: number, seed = 1): ScaleFile {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `scale-spliced-${rows}.csv`);
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
  const cut = (s: string) => Math.round(s.length * (0.3 + 0.4 * rng.next()));
  const truth = new Uint8Array(rows);
  const out: string[] = ['id,text,label'];
  for (let i = 0; i < rows; i++) {
    const a = rng.int(texts.length);
    const same = byClass.get(labels[a])!;
    const b = same[rng.int(same.length)];
    const text = texts[a].slice(0, cut(texts[a])) + texts[b].slice(cut(texts[b]));
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
