/**
 * `npm run bench`: parse throughput and memory, detection quality and speed beside the peer, and
 * analysis time and memory at 10k–1M rows beside the peer, and AP with the user's own probabilities and
 * embeddings. `npm run bench -- quality [run ...]` runs only the quality part (for some peer runs,
 * or `ablation`); `parse`, `scale`, `byom` (bring your own model), `formats` (Parquet and image
 * folders) `crash` (kill -9 during saves, the write protocol's promises), `duplicates` (threshold,
 * throughput, leakage) and `map` (drawing and projecting the embedding map) run theirs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const ALL = ['parse', 'quality', 'byom', 'scale', 'formats', 'crash', 'duplicates', 'map'];
const parts = ALL.includes(args[0]) ? [args[0]] : ALL;
for (const p of parts) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, `${p}.ts`), ...args.slice(1)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
