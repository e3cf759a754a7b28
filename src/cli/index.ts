import { main } from './main';

// main() reports every error itself (src/cli/exit.ts); this catch is for a failure of that reporting.
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`label-lens: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
