/** Commands that run the engine (analyze, retrain); filled in by the engine. */
import type { Io } from './main';

export const commands: Record<string, (args: string[], io: Io) => number | Promise<number>> = {};
