/** Test helpers: temp folders, the shared datasets by relative path, hostile file generators. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');
export const SHARED_DATA = resolve(ROOT, '../shared/data');
export const SHARED_PEER = resolve(ROOT, '../shared/peer');

export const DATASETS = [
  'sms_spam', 'ag_news_test', 'clue_iflytek_fewclue', 'clue_tnews_fewclue', 'toutiao_news_20k', 'toutiao_news_38k',
  'imdb_test_labelerrors', 'mnist_test_labelerrors',
] as const;

export function dataset(name: string): string {
  return join(SHARED_DATA, name, 'data.csv');
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'label-lens-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
