/**
 * Writing a user's file without ever leaving it half written or clobbering someone else's change:
 * compare with what was read, write a temp file beside it, flush, rename over, flush the folder.
 * A crash at any point leaves either the old file or the new one.
 */
import { closeSync, constants, copyFileSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export class FileChangedError extends Error {
  constructor(readonly path: string) {
    super(`${path} changed on disk since it was read: not overwritten. Reload it (your edits can be re-applied) or save under another name.`);
    this.name = 'FileChangedError';
  }
}

/** Test hooks to simulate a crash between the steps. */
export interface WriteFaults {
  afterTempWrite?: (tempPath: string) => void;
  beforeRename?: (tempPath: string) => void;
}

export interface AtomicWriteOptions {
  /** The bytes the caller read: when the file on disk differs, nothing is written. */
  expected?: Uint8Array;
  /** Keep a copy of the file as it was before Label Lens first wrote it. */
  keepOriginal?: boolean;
  faults?: WriteFaults;
}

/** Where the pre-Label-Lens copy of a data file is kept. */
export function originalCopyPath(path: string): string {
  return join(dirname(path), '.label-lens', 'originals', basename(path));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export function atomicWrite(path: string, data: Uint8Array, opts: AtomicWriteOptions = {}): void {
  const exists = existsSync(path);
  let mode = 0o644;
  let before: { size: number; mtimeMs: number } | undefined;
  if (exists) {
    const st = statSync(path);
    mode = st.mode & 0o7777;
    before = { size: st.size, mtimeMs: st.mtimeMs };
    if (opts.expected && !sameBytes(readFileSync(path), opts.expected)) throw new FileChangedError(path);
    if (opts.keepOriginal) {
      const copy = originalCopyPath(path);
      if (!existsSync(copy)) {
        mkdirSync(dirname(copy), { recursive: true });
        copyFileSync(path, copy, constants.COPYFILE_EXCL);
      }
    }
  } else if (opts.expected) {
    throw new FileChangedError(path);
  }

  const temp = join(dirname(path), `.${basename(path)}.label-lens-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    fchmodSync(fd, mode); // the umask must not change the file's mode
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  try {
    opts.faults?.afterTempWrite?.(temp);
    // Last check, right before the swap: a writer that came in while we wrote must not be lost.
    if (before) {
      const st = statSync(path);
      if (st.size !== before.size || st.mtimeMs !== before.mtimeMs) throw new FileChangedError(path);
    }
    opts.faults?.beforeRename?.(temp);
    renameSync(temp, path);
  } catch (err) {
    if (existsSync(temp)) unlinkSync(temp);
    throw err;
  }
  fsyncDir(dirname(path));
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // Some platforms (Windows) cannot open a folder; the rename itself is still atomic there.
  }
}
