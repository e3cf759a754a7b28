/**
 * `npm run bench`: parse throughput and memory, detection quality and speed beside the peer, and
 * analysis time and memory at 25k–100k rows; duplicate detection (threshold, throughput, leakage). `npm run bench -- quality [run ...]` runs only the
 * quality part (for some peer runs, or `ablation`); `parse` and `scale` run theirs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const parts = ['parse', 'quality', 'scale', 'duplicates'].includes(args[0]) ? [args[0]] : ['parse', 'quality', 'scale', 'duplicates'];
for (const p of parts) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, `${p}.ts`), ...args.slice(1)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
