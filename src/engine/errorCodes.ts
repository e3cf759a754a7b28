/** How a failed job is reported to the caller: the engine's error codes, mapped in this one place. */
import { asUserError } from '../core/errors';
import type { ErrorMessage } from '../protocol/engine';
import { CancelledError } from './job';

/**
 * The one mapping from an error to the engine's error codes: a user error is 'data' (with its own
 * code, and no stack), a cancel is 'cancelled', anything else is a bug: 'internal' with the stack.
 */
export function errorMessage(jobId: string, err: unknown, cancelled: boolean): ErrorMessage {
  const u = asUserError(err);
  if (cancelled || err instanceof CancelledError || u?.code === 'cancelled') return { type: 'error', jobId, code: 'cancelled', message: 'cancelled' };
  if (u) return { type: 'error', jobId, code: u.code === 'usage' ? 'bad-request' : 'data', userCode: u.code, message: u.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: 'error', jobId, code: 'internal', message: e.message, details: e.stack };
}

