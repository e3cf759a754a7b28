/** Test helpers: temp folders, the shared datasets by relative path, hostile file generators. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');
/** The shared datasets and peer results: ../shared beside the checkout (as CI has it), or LABEL_LENS_SHARED. */
export const SHARED = resolve(process.env.LABEL_LENS_SHARED ?? resolve(ROOT, '../shared'));
export const SHARED_DATA = resolve(SHARED, 'data');
export const SHARED_PEER = resolve(SHARED, 'peer');

export const DATASETS = [
  'sms_spam', 'ag_news_test', 'clue_iflytek_fewclue', 'clue_tnews_fewclue', 'toutiao_news_20k', 'toutiao_news_38k',
  'imdb_test_labelerrors', 'mnist_test_labelerrors',
] as const;

export function dataset(name: string): string {
  const path = join(SHARED_DATA, name, 'data.csv');
  if (!existsSync(path)) {
    throw new Error(`shared dataset ${name} not found at ${path}: the tests read ../shared/data beside the checkout; clone next to it or set LABEL_LENS_SHARED`);
  }
  return path;
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'label-lens-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A small real table: the first `n` MNIST digits that `keep` accepts, each 4×4-pooled to 7×7 = 49
 * grey levels in [0, 1] (features for tabular models: not named like pixels).
 */
export function pooledMnist(n: number, keep: (label: number) => boolean = () => true): { rows: number[][]; labels: number[] } {
  const lines = readFileSync(dataset('mnist_test_labelerrors'), 'utf8').split('\r\n').slice(1);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const line of lines) {
    if (rows.length === n || !line) break;
    const c = line.split(',');
    const label = Number(c[785]);
    if (!keep(label)) continue;
    const px = c.slice(1, 785).map(Number);
    const row: number[] = [];
    for (let by = 0; by < 7; by++) for (let bx = 0; bx < 7; bx++) {
      let s = 0;
      for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) s += px[(by * 4 + dy) * 28 + bx * 4 + dx];
      row.push(s / (16 * 255));
    }
    rows.push(row);
    labels.push(label);
  }
  return { rows, labels };
}

/** Runs the built CLI (dist/cli.js, as users run it); `npm test` builds first. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/label-lens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
