/**
 * `work(0) … work(count − 1)` with at most `lanes` running at once: each lane starts the next index
 * as soon as its last one is done, so indices start in order and no lane waits for another. The
 * one scheduler of the folds (engine/crossval), the C search's fits (engine/phases) and a plan's
 * local jobs (cli/planCommands).
 */
export async function inLanes(count: number, lanes: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => { while (next < count) await work(next++); };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, count)) }, lane));
}
