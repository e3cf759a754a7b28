/**
 * `npm run bench`: parse throughput and memory, then detection quality and speed beside the peer.
 * `npm run bench -- quality [run ...]` runs only the quality part (for some peer runs, or `ablation`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const parts = args[0] === 'quality' ? ['quality'] : args[0] === 'parse' ? ['parse'] : ['parse', 'quality'];
for (const p of parts) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, `${p}.ts`), ...args.slice(1)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
