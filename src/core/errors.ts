/**
 * The one base class for errors a user can act on (bad input, a file that cannot be written, a
 * wrong option). Anything else that reaches the top is a bug and is reported as such.
 *
 * The CLI maps `code` to an exit status in one place (src/cli), the engine maps it to its error
 * codes in one place (src/engine); neither prints a stack trace for a UserError.
 */

export type UserErrorCode =
  /** A wrong command line or option value. */
  | 'usage'
  /** The data cannot be read or edited as asked (damaged row, unknown id, ambiguous id…). */
  | 'data'
  /** The file changed on disk since it was read. */
  | 'file-changed'
  /** A file or folder that does not exist, or a folder given where a file was expected. */
  | 'not-found'
  /** The file, or its folder, may not be written (read-only, permission denied). */
  | 'not-writable'
  /** The disk is full (or over quota). */
  | 'disk-full'
  /** A path that would lead outside the dataset's folder or through a symlink inside .label-lens/. */
  | 'unsafe-path'
  /** The user cancelled. */
  | 'cancelled';

export interface ErrorPlace {
  file: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
}

export class UserError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
    readonly place?: ErrorPlace,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/**
 * Turns the errors node:fs throws into UserErrors that name the file and say what to do,
 * so "EACCES: permission denied, open '/x/.y.tmp'" never reaches a user for a write.
 */
export function fsUserError(err: unknown, file: string, doing: 'read' | 'write' | 'open'): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new UserError('not-found', `${file}: no such file or folder`, { file });
    case 'EISDIR':
      return new UserError('not-found', `${file}: is a folder, expected a data file`, { file });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new UserError('not-writable', doing === 'write'
        ? `${file}: cannot write here (permission denied or read-only file system); nothing was changed`
        : doing === 'read' ? `${file}: cannot read (permission denied)` : `${file}: permission denied (or a read-only file system)`, { file });
    case 'ENOSPC':
    case 'EDQUOT':
      return new UserError('disk-full', `${file}: the disk is full; nothing was changed (free some space and save again)`, { file });
    case 'ENOTDIR':
      return new UserError('not-found', `${file}: a part of this path is a file, not a folder`, { file });
    case 'ENAMETOOLONG':
      return new UserError('not-found', `${file}: the path is too long`, { file });
    default:
      return err;
  }
}

/** Errors of core modules that a user can act on but that do not extend UserError (yet). */
const DATA_ERRORS = new Set(['TableError', 'EditError', 'PatchError', 'PrepareError']);
const WRITE_SYSCALLS = new Set(['write', 'mkdir', 'rename', 'copyfile', 'unlink', 'fsync', 'ftruncate', 'symlink', 'chmod', 'fchmod', 'rmdir']);

/**
 * The UserError an error stands for, or undefined when it is a bug. The one classification used by
 * the CLI (exit codes, src/cli/exit.ts) and the engine (error codes, src/engine/main.ts).
 */
export function asUserError(err: unknown): UserError | undefined {
  if (isUserError(err)) return err;
  if (!(err instanceof Error)) return undefined;
  if (DATA_ERRORS.has(err.name)) return new UserError('data', err.message);
  if (err.name === 'FileChangedError') return new UserError('file-changed', err.message);
  // A role override naming a column the file does not have (core/table/roles).
  if (err instanceof RangeError && /no column/.test(err.message)) return new UserError('usage', err.message);
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string') {
    // open(2) says nothing of the mode it was asked for: the message then claims neither read nor write.
    const doing = WRITE_SYSCALLS.has(e.syscall ?? '') ? 'write' : e.syscall === 'open' ? 'open' : 'read';
    const u = fsUserError(err, e.path ?? (e as { dest?: string }).dest ?? 'a file', doing);
    if (isUserError(u)) return u;
  }
  return undefined;
}
