/**
 * How the CLI ends: its output streams and, in this one place, the mapping from an error to the
 * message and exit status a user sees. A UserError (src/core/errors.ts) prints its message, never a
 * stack; anything else is a bug and says so.
 *
 * Exit codes: 0 ok, 1 data problem (the file cannot be read, edited or written as asked),
 * 2 usage (a wrong command line), 70 internal error (a bug), 130 cancelled (Ctrl-C).
 */
import { asUserError, UserError, type UserErrorCode } from '../core/errors';
import { EngineError } from '../client/engineClient';

export const EXIT_OK = 0;
export const EXIT_DATA = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;
export const EXIT_CANCELLED = 130;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const EXIT_OF: Record<UserErrorCode, number> = {
  'usage': EXIT_USAGE,
  'data': EXIT_DATA,
  'file-changed': EXIT_DATA,
  'not-found': EXIT_DATA,
  'not-writable': EXIT_DATA,
  'disk-full': EXIT_DATA,
  'unsafe-path': EXIT_DATA,
  'cancelled': EXIT_CANCELLED,
};

/** The UserError an error stands for (engine errors included), or undefined when it is a bug. */
export function userErrorOf(err: unknown): UserError | undefined {
  if (err instanceof EngineError) {
    if (err.code === 'bad-request') return new UserError('usage', err.message);
    if (err.code === 'cancelled') return new UserError('cancelled', 'cancelled');
    if (err.code === 'data') return new UserError(err.userCode ?? 'data', err.message);
    return undefined;
  }
  return asUserError(err);
}

/** Reports an error that ended a command; returns the exit status. */
export function reportError(err: unknown, command: string, io: Io, usage: string): number {
  const u = userErrorOf(err);
  if (!u && err instanceof EngineError) {
    // The engine's own report: its message, and for a bug the engine-side stack.
    io.err(`label-lens ${command}: ${err.message}${err.details ? `\n${err.details}` : ''}`);
    return EXIT_INTERNAL;
  }
  if (!u) {
    io.err(`label-lens ${command}: internal error (a bug; please report it): ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    return EXIT_INTERNAL;
  }
  io.err(`label-lens ${command}: ${u.message}${u.code === 'usage' ? `\n\n${usage}` : ''}`);
  return EXIT_OF[u.code];
}
