/**
 * `npm run bench -- crash [kills] [dataset]`: kill -9 a saving Label Lens at random instants, many
 * more times than the unit test does, on a whole shared dataset (default toutiao_news_20k, 200
 * kills; imdb_test_labelerrors is a 33 MB file), and check the write protocol's promises after
 * each kill (test/fixtures/crashHarness.ts). Prints how the kills fell (old file / new file,
 * original copy, sidecar) and how long a save takes here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleChild, expectedSave, killAt, rng, timeSave } from '../test/fixtures/crashHarness';
import { dataset } from '../test/helpers';

async function main(): Promise<void> {
  const kills = Number(process.argv[2] ?? 200);
  const name = process.argv[3] ?? 'toutiao_news_20k';
  const source = dataset(name);
  const dir = mkdtempSync(join(tmpdir(), 'label-lens-crash-bench-'));
  try {
    const child = bundleChild(dir);
    const exp = expectedSave(source, join(dir, 'plan'));
    const ms = await timeSave(child, source, join(dir, 'timing'));
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100000);
    const rand = rng(seed);
    const tally = new Map<string, number>();
    let reconciled = 0, temps = 0;
    for (let k = 0; k < kills; k++) {
      const delay = rand() * ms * 1.2;
      const kdir = join(dir, `k${k}`);
      const r = await killAt(child, source, kdir, exp, delay).catch((err: Error) => {
        throw new Error(`kill ${k} at ${delay.toFixed(1)} ms (CRASH_SEED=${seed}): ${err.message}`);
      });
      const key = `file ${r.data}, original ${r.original}, sidecar ${r.sidecar}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      reconciled += r.reconciled;
      temps += r.removedTemps;
      rmSync(kdir, { recursive: true, force: true });
    }
    console.log(`crash: ${name}, ${exp.relabels} relabels + ${exp.accepts} accepts per save; a save takes ${ms} ms here (machine shared: inflated)`);
    console.log(`crash: ${kills} kills (seed ${seed}), every promise held:`);
    for (const [k, v] of [...tally].sort()) console.log(`  ${String(v).padStart(5)}  ${k}`);
    console.log(`  open writes reconciled on the next open: ${reconciled}; dead writers' temp files removed: ${temps}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => { console.error(err.message); process.exit(1); });
