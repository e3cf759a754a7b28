/**
 * The one way Label Lens writes: the user's data file, its sidecar, the copy of the original, the
 * journal and the results. Stated guarantees (README, "What it promises about your file"), each
 * checked by test/unit/crash.test.ts killing the writer at random instants:
 *
 * - after kill -9 (or power loss on a file system that honours fsync) at any instant, the data file
 *   holds the old bytes or the new bytes, never a mix;
 * - `.label-lens/originals/<file>` is complete or absent, never partial;
 * - the journal says exactly which edits the file holds: a write is recorded as `begin` (with the
 *   hashes of the bytes before and after) and its edits before the file is touched, and `commit`
 *   after; the next open reconciles a `begin` left without an outcome with the bytes on disk.
 *
 * The sequence of one write (`commitWrite`):
 *   1. check the file is what was read (else FileChangedError) and may be written;
 *   2. journal: `begin` + edits, appended in one write and fsynced;
 *   3. first write of this file: the bytes as read go to a temp file in originals/ (created
 *      exclusively, never through a link), fsync, size checked, rename, folder fsync;
 *   4. the new bytes go to `.<file>.label-lens-<pid>-<rand>.tmp` beside the file (exclusive create,
 *      the file's mode), fsync, a last check that nobody wrote meanwhile, rename, folder fsync;
 *   5. journal: `commit`, fsynced.
 *
 * Paths: a data file that is a symlink is written at its target (as editors do), the temp file beside
 * the target. Inside `.label-lens/` and for the sidecar, nothing is followed: every folder is checked
 * with lstat, every file is created exclusively and renamed over (rename replaces a link, it never
 * writes through one), and the journal is opened with O_NOFOLLOW and must be a plain file with one link.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync, closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync,
  readSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fsUserError, UserError } from '../errors';
import { isDatasetFolder, stateDir } from '../formats/stateDir';

export class FileChangedError extends UserError {
  constructor(readonly path: string) {
    super('file-changed', `${path} changed on disk since it was read: not overwritten. Reload it (your edits can be re-applied) or save under another name.`, { file: path });
    this.name = 'FileChangedError';
  }
}

/** Named instants of a write, for tests that stop the writer at one of them. */
export type WriteStep =
  | 'journal-begun' | 'original-temp-written' | 'original-renamed' | 'temp-written' | 'before-rename' | 'renamed' | 'committed';

/**
 * Test hook: called at each step (a test may kill the process or throw, e.g. an ENOSPC error).
 * Module state rather than a parameter so the CLI and the editor run the exact code a test stops.
 */
export const writeFaults: { at?: (step: WriteStep, path: string) => void } = {};

const fault = (step: WriteStep, path: string) => writeFaults.at?.(step, path);

// ---------------------------------------------------------------------------------------------
// Where things live.

/**
 * The dataset's own folder, the one place besides extension storage Label Lens writes in: the data
 * file's folder, or an image folder itself.
 */
export function datasetRoot(dataPath: string): string {
  return isDatasetFolder(dataPath) ? resolve(dataPath) : dirname(resolve(dataPath));
}

export { stateDir };

export function journalPath(dataFile: string): string {
  return join(stateDir(dataFile), 'journal.jsonl');
}

/** Where the pre-Label-Lens copy of a data file is kept. */
export function originalCopyPath(dataFile: string): string {
  return join(stateDir(dataFile), 'originals', basename(dataFile));
}

export function sidecarPath(dataFile: string): string {
  // An image folder keeps it inside, in its .label-lens folder.
  return isDatasetFolder(dataFile) ? join(stateDir(dataFile), 'labels.json') : `${dataFile}.labels.json`;
}

const TEMP = /^\.(.+)\.label-lens-(\d+)(?:-[0-9a-f]+)?\.tmp$/;

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.label-lens-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

// ---------------------------------------------------------------------------------------------
// Checked file system steps.

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsUserError(err, p, 'write');
  }
}

function unsafe(p: string, what: string): UserError {
  return new UserError('unsafe-path', `${p} ${what}: Label Lens never writes through it; move it away and try again`, { file: p });
}

/** True when this process may write `p` (root ignores modes, so the write bits are looked at too). */
function writable(p: string, st: Stats): boolean {
  if ((st.mode & 0o222) === 0) return false;
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `dir` (and the folders between `root` and it) as real folders: a symlink or a file on the way
 * is refused, so a dataset that ships `.label-lens -> ~` cannot redirect a write.
 */
export function ensureOwnDir(dir: string, root: string): void {
  const rel = relative(resolve(root), resolve(dir));
  if (rel.startsWith('..') || isAbsolute(rel)) throw unsafe(dir, `is outside ${root}`);
  let at = resolve(root);
  for (const part of rel === '' ? [] : rel.split(sep)) {
    at = join(at, part);
    let st = lstatOrUndefined(at);
    if (!st) {
      try {
        mkdirSync(at, { mode: 0o755 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fsUserError(err, at, 'write');
      }
      st = lstatSync(at);
    }
    if (st.isSymbolicLink()) throw unsafe(at, 'is a symbolic link');
    if (!st.isDirectory()) throw unsafe(at, 'is not a folder');
  }
}

function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // Some platforms (Windows) cannot open a folder; the rename itself is still atomic there.
  }
  try { fsyncSync(fd); } catch { /* not supported for folders everywhere */ } finally { closeSync(fd); }
}

/** Where a streamed write puts the new bytes: appended in order to its temp file. */
export interface TempOut {
  write(bytes: Uint8Array): void;
  /** Bytes written so far. */
  readonly size: number;
}

/** Writes all of `data` to a new temp file beside `target` (exclusive create, never through a link), fsynced. */
function writeTemp(target: string, data: Uint8Array, mode: number): string {
  return writeTempWith(target, mode, (out) => out.write(data));
}

/** A new temp file beside `target` (exclusive create, never through a link, the given mode) filled by `produce`, fsynced, size checked. */
function writeTempWith(target: string, mode: number, produce: (out: TempOut) => void): string {
  const temp = tempPathFor(target);
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  } catch (err) {
    throw fsUserError(err, target, 'write');
  }
  try {
    fchmodSync(fd, mode); // the umask must not change the file's mode
    let size = 0;
    produce({
      write(data) {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
        size += data.length;
      },
      get size() { return size; },
    });
    fsyncSync(fd);
    if (fstatSync(fd).size !== size) throw new Error(`${temp}: wrote ${size} bytes, the file holds ${fstatSync(fd).size}`);
  } catch (err) {
    closeSync(fd);
    removeQuietly(temp);
    throw err instanceof UserError ? err : fsUserError(err, target, 'write');
  }
  closeSync(fd);
  return temp;
}

/** Slices a file is copied and compared in: the memory a streamed write needs, whatever the file's size. */
const SLICE = 4 << 20;

/** Calls `each` with the bytes of `path` a slice at a time. */
function eachSlice(path: string, each: (bytes: Uint8Array) => void): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    const buf = Buffer.allocUnsafe(SLICE);
    for (;;) {
      const n = readSync(fd, buf, 0, SLICE, null);
      if (n === 0) break;
      each(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** Whether two files hold the same bytes, read a slice at a time. */
function sameFiles(a: string, b: string): boolean {
  const sa = statSync(a), sb = statSync(b);
  if (sa.size !== sb.size) return false;
  const fd = openSync(b, constants.O_RDONLY);
  const other = Buffer.allocUnsafe(SLICE);
  let same = true;
  try {
    eachSlice(a, (bytes) => {
      if (!same) return;
      let got = 0;
      while (got < bytes.length) {
        const n = readSync(fd, other, got, bytes.length - got, null);
        if (n === 0) break;
        got += n;
      }
      if (got !== bytes.length || Buffer.compare(bytes, other.subarray(0, got)) !== 0) same = false;
    });
  } finally {
    closeSync(fd);
  }
  return same;
}

function removeQuietly(p: string): void {
  try { unlinkSync(p); } catch { /* already gone */ }
}

/**
 * Replaces `dest` by `data` atomically without following a link at `dest` (the rename replaces the
 * name). For Label Lens's own files: sidecar, originals, results.
 */
export function writeOwnFile(dest: string, data: Uint8Array, mode = 0o644): void {
  writeOwnFileWith(dest, mode, (out) => out.write(data));
}

/** `writeOwnFile` for bytes made a piece at a time by `produce`. */
function writeOwnFileWith(dest: string, mode: number, produce: (out: TempOut) => void): void {
  const st = lstatOrUndefined(dest);
  if (st && !st.isFile() && !st.isSymbolicLink()) throw unsafe(dest, 'is not a plain file');
  replaceProduced(dest, mode, produce);
}

/** Temp file beside `dest` (exclusive, fsynced), renamed over it, folder fsynced; the temp is removed on failure. */
function replaceWith(dest: string, data: Uint8Array, mode: number): void {
  replaceProduced(dest, mode, (out) => out.write(data));
}

/** `replaceWith` for bytes made a piece at a time by `produce`: the same temp, fsync, rename and folder fsync. */
function replaceProduced(dest: string, mode: number, produce: (out: TempOut) => void): void {
  const temp = writeTempWith(dest, mode, produce);
  try {
    renameSync(temp, dest);
  } catch (err) {
    removeQuietly(temp);
    throw fsUserError(err, dest, 'write');
  }
  fsyncDir(dirname(dest));
}

/**
 * Makes the folder results are written to. Inside the dataset's folder (the default,
 * `.label-lens/results/<file>`) every folder on the way must be a real one, so a dataset cannot ship
 * `.label-lens/results -> ~` and have an analysis write there; a folder the user named elsewhere
 * (--out) is theirs and is only created.
 */
export function prepareResultsDir(dataFile: string, outDir: string): void {
  const root = datasetRoot(dataFile);
  const rel = relative(root, resolve(outDir));
  if (!rel.startsWith('..') && !isAbsolute(rel)) ensureOwnDir(outDir, root);
  else {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (err) {
      throw fsUserError(err, outDir, 'write');
    }
  }
}

/** Writes a results file (rows.csv, summary.json, arrays.bin) in a prepared folder: atomically, never through a link. */
export function writeResultFile(path: string, data: string | Uint8Array): void {
  writeOwnFile(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
}

/**
 * `writeResultFile` for a file too large to build in memory first (a million rows' arrays.bin and
 * rows.csv): `produce` writes the bytes piece by piece into the temp file, which is then fsynced,
 * size-checked and renamed over `path` exactly as a write from bytes is; on a throw (or a kill)
 * before the rename, `path` keeps its old bytes and the temp is removed.
 */
export function writeResultFileStreamed(path: string, produce: (out: TempOut) => void): void {
  writeOwnFileWith(path, 0o644, produce);
}

/** Appends to a journal-like file: never through a link, never into a file with other names (hard links). */
function appendOwn(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw unsafe(path, 'is a symbolic link');
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw unsafe(path, 'is not a plain file');
    throw fsUserError(err, path, 'write');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw unsafe(path, 'is not a plain file');
    if (st.nlink > 1) throw unsafe(path, 'has other names (a hard link)');
    // A line cut short by a crash gets its own line, so the next entry is never glued to it.
    let prefix = '';
    if (st.size > 0) {
      const last = Buffer.alloc(1);
      const rfd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try { readSync(rfd, last, 0, 1, st.size - 1); } finally { closeSync(rfd); }
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const buf = Buffer.from(prefix + text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    throw err instanceof UserError ? err : fsUserError(err, path, 'write');
  } finally {
    closeSync(fd);
  }
}

/** Reads one of Label Lens's own files (sidecar, journal): a link there is refused rather than followed. */
export function readOwnFile(path: string): Buffer | undefined {
  const st = lstatOrUndefined(path);
  if (!st) return undefined;
  if (st.isSymbolicLink()) throw unsafe(path, 'is a symbolic link');
  if (!st.isFile()) throw unsafe(path, 'is not a plain file');
  return readFileSync(path);
}

// ---------------------------------------------------------------------------------------------
// The journal's records of a write.

export interface Fingerprint {
  size: number;
  sha256: string;
}

export function fingerprint(bytes: Uint8Array): Fingerprint {
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Which file of a dataset a write changes. */
export type WriteTarget = 'data' | 'sidecar';

export interface BeginRecord {
  type: 'begin';
  txn: string;
  time: string;
  /** The data file's base name. */
  file: string;
  target: WriteTarget;
  /** Number of edit lines that follow with this txn. */
  edits: number;
  /** The bytes before (null: the file did not exist) and after the write (null: written by a format adapter, not known ahead). */
  before: Fingerprint | null;
  after: Fingerprint | null;
}

export interface OutcomeRecord {
  /** unknown: the write was a format adapter's, on a folder, and the files cannot tell whether it finished. */
  type: 'commit' | 'abort' | 'unknown';
  txn: string;
  time: string;
  file: string;
  target: WriteTarget;
  /** How the outcome was known: written by the writer, or reconciled on a later open. */
  how: 'written' | 'reconciled';
  why?: string;
}

export type JournalRecord = BeginRecord | OutcomeRecord | (Record<string, unknown> & { txn?: string });

/** Parses the journal; a line cut short by a crash (or not JSON) is skipped. */
export function readJournalRecords(dataFile: string): JournalRecord[] {
  const bytes = readOwnFile(journalPath(dataFile));
  if (!bytes) return [];
  const out: JournalRecord[] = [];
  for (const line of bytes.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as JournalRecord);
    } catch { /* torn line */ }
  }
  return out;
}

function newTxn(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function appendRecords(dataFile: string, records: object[]): void {
  ensureOwnDir(stateDir(dataFile), datasetRoot(dataFile));
  appendOwn(journalPath(dataFile), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------
// The write.

export interface WriteRequest {
  /** The data file as the user named it (may be a symlink). */
  dataFile: string;
  target: WriteTarget;
  bytes: Uint8Array;
  /** The bytes read; null when the file did not exist; undefined to skip the check. */
  expected: Uint8Array | null | undefined;
  /** Journal lines of the edits these bytes hold (without file/txn; added here). */
  edits: object[];
  /** Keep `.label-lens/originals/<file>` (the data file as it was before Label Lens first wrote it). */
  keepOriginal?: boolean;
}

/** The path a write replaces: the data file's target (a symlink is followed), or the sidecar (never followed). */
export function writtenPath(dataFile: string, target: WriteTarget): string {
  if (target === 'sidecar') return sidecarPath(dataFile);
  try {
    return realpathSync(dataFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(dataFile);
    throw fsUserError(err, dataFile, 'write');
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Checks before anything is written: the file is as read, may be written, and so may its folder. */
function preflight(req: WriteRequest, path: string): { mode: number; st?: Stats } {
  const st = lstatOrUndefined(path);
  if (st?.isSymbolicLink()) throw unsafe(path, 'is a symbolic link'); // a sidecar; a data file's link is resolved before
  if (st && !st.isFile()) throw new UserError('not-found', `${path}: is ${st.isDirectory() ? 'a folder' : 'not a plain file'}, expected a data file`, { file: path });
  if (req.expected !== undefined) {
    if (req.expected === null ? st !== undefined : !st || !sameBytes(readFileSync(path), req.expected)) throw new FileChangedError(path);
  }
  if (st && !writable(path, st)) {
    throw new UserError('not-writable', `${path} is read-only: nothing was changed. Make it writable (chmod u+w) or save under another name`, { file: path });
  }
  const dir = dirname(path);
  const dst = statSync(dir);
  if (!writable(dir, dst)) {
    throw new UserError('not-writable', `${dir} is a read-only folder: ${basename(path)} cannot be replaced safely there, nothing was changed. Make the folder writable or save under another name`, { file: path });
  }
  return { mode: st ? st.mode & 0o7777 : 0o644, st };
}

/**
 * Whether originals/ already holds the file's original (its folder made safe first; a link or a
 * non-file there is refused). A copy made before this protocol may be partial: when the journal holds
 * no committed write of this file, the file on disk still is the original, and a copy that differs
 * (`sameAsOriginal` false) is made again.
 */
function originalIsKept(dataFile: string, copy: string, sameAsOriginal: () => boolean): boolean {
  ensureOwnDir(dirname(copy), datasetRoot(dataFile));
  const st = lstatOrUndefined(copy);
  if (!st) return false;
  if (st.isSymbolicLink()) throw unsafe(copy, 'is a symbolic link');
  if (!st.isFile()) throw unsafe(copy, 'is not a plain file');
  return hasCommittedWrite(dataFile) || sameAsOriginal();
}

/** Keeps the bytes as first read in originals/, complete or not at all. */
function keepOriginal(dataFile: string, original: Uint8Array): void {
  const copy = originalCopyPath(dataFile);
  if (originalIsKept(dataFile, copy, () => sameBytes(readFileSync(copy), original))) return;
  const temp = writeTemp(copy, original, 0o444);
  try {
    fault('original-temp-written', temp);
    if (statSync(temp).size !== original.length) throw new Error(`${temp}: size differs from the original's`);
    renameSync(temp, copy);
  } catch (err) {
    removeQuietly(temp);
    throw fsUserError(err, copy, 'write');
  }
  fsyncDir(dirname(copy));
  fault('original-renamed', copy);
}

function hasCommittedWrite(dataFile: string): boolean {
  const file = basename(dataFile);
  return readJournalRecords(dataFile).some((r) => (r.type === 'commit' && r.file === file && r.target === 'data') ||
    // Journals written before the protocol: plain relabel lines.
    (r.type === undefined && r.file === file && r.kind === 'relabel' && r.txn === undefined));
}

/**
 * Writes `req.bytes` to the data file or its sidecar by the protocol above; returns the txn id.
 * Throws a UserError (file changed, read-only, disk full, unsafe path) with nothing changed, or, if
 * the failure came after the rename, with the journal saying so on the next open.
 */
export function commitWrite(req: WriteRequest): string {
  const path = writtenPath(req.dataFile, req.target);
  const { mode } = preflight(req, path);
  const file = basename(req.dataFile);
  const txn = newTxn();
  const time = new Date().toISOString();
  const before = req.expected ? fingerprint(req.expected) : req.expected === null ? null : existingFingerprint(path);
  const begin: BeginRecord = { type: 'begin', txn, time, file, target: req.target, edits: req.edits.length, before, after: fingerprint(req.bytes) };
  appendRecords(req.dataFile, [begin, ...req.edits.map((e, i) => ({ ...e, file, txn, ref: `${txn}/${i + 1}` }))]);
  fault('journal-begun', path);

  try {
    replaceChecked(req, path, mode);
  } catch (err) {
    // Before the rename the file was not touched, after it the file holds the new bytes: say which
    // now rather than leave it to the next open.
    const replaced = err instanceof ReplacedError;
    try { appendRecords(req.dataFile, [outcome(replaced ? 'commit' : 'abort', begin, 'written', replaced ? undefined : (err as Error).message)]); } catch { /* reconciled later */ }
    throw replaced ? err.cause : err;
  }
  appendRecords(req.dataFile, [outcome('commit', begin, 'written')]);
  fault('committed', path);
  return txn;
}

/** Marks a failure that came after the rename (the file holds the new bytes). */
class ReplacedError extends Error {
  constructor(override readonly cause: unknown) {
    super('failed after the rename');
  }
}

/** Steps 3 and 4: the original kept, the new bytes swapped in, checked against a concurrent writer. */
function replaceChecked(req: Pick<WriteRequest, 'dataFile' | 'bytes' | 'expected' | 'keepOriginal'>, path: string, mode: number): void {
  if (req.keepOriginal && req.expected) keepOriginal(req.dataFile, req.expected);
  const temp = writeTemp(path, req.bytes, mode);
  try {
    fault('temp-written', temp);
    // Last check right before the swap: a writer that came in while we wrote must not be lost.
    if (req.expected && !sameBytes(readFileSync(path), req.expected)) throw new FileChangedError(path);
    if (req.expected === null && lstatOrUndefined(path)) throw new FileChangedError(path);
    fault('before-rename', temp);
    renameSync(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw err instanceof UserError ? err : fsUserError(err, path, 'write');
  }
  try {
    fsyncDir(dirname(path));
    fault('renamed', path);
  } catch (err) {
    throw new ReplacedError(err);
  }
}

/**
 * The protocol's file steps without a journal, for files that are not a dataset's edits: another
 * format's rewrite of its file, predictions, caches. `expected`: the bytes read (refused when the file
 * differs); `keepOriginal`: keep the first version in originals/ as a data file write does.
 */
export function atomicWrite(path: string, data: Uint8Array, opts: { expected?: Uint8Array; keepOriginal?: boolean } = {}): void {
  const real = writtenPath(path, 'data');
  // Keeping the original without the bytes read: the file as it is now is the original, and the same
  // bytes serve the last check before the rename.
  const expected = opts.expected ?? (opts.keepOriginal ? readExisting(real) : undefined);
  const req = { dataFile: path, bytes: data, expected, keepOriginal: opts.keepOriginal };
  const { mode } = preflight({ ...req, target: 'data', edits: [] }, real);
  try {
    replaceChecked(req, real, mode);
  } catch (err) {
    throw err instanceof ReplacedError ? err.cause : err;
  }
}

/**
 * `atomicWrite` for a file too large to hold in memory twice (a million-row Parquet file): the new
 * bytes are written by `produce` straight into the temp file beside the file, `verify(temp)` reads
 * them back before anything is replaced, and `unchanged()` throws (FileChangedError or the format's
 * own) when the file changed since it was read — checked before anything is written and again
 * right before the rename. `keepOriginal` keeps the file as it is now in originals/ (copied a slice
 * at a time, complete or absent) first. Same steps and fault points as a write from bytes.
 */
export function atomicWriteStreamed(path: string, produce: (out: TempOut) => void, opts: { unchanged: () => void; verify?: (temp: string) => void; keepOriginal?: boolean }): void {
  const real = writtenPath(path, 'data');
  const { mode, st } = preflight({ dataFile: path, target: 'data', bytes: new Uint8Array(0), expected: undefined, edits: [] }, real);
  opts.unchanged();
  if (opts.keepOriginal && st) keepOriginalFile(path, real);
  const temp = writeTempWith(real, mode, produce);
  try {
    fault('temp-written', temp);
    opts.verify?.(temp);
    opts.unchanged();
    fault('before-rename', temp);
    renameSync(temp, real);
  } catch (err) {
    removeQuietly(temp);
    throw err instanceof UserError ? err : fsUserError(err, real, 'write');
  }
  fsyncDir(dirname(real));
  fault('renamed', real);
}

/** `keepOriginal` for a file read a slice at a time: the copy in originals/ is complete or absent. */
function keepOriginalFile(dataFile: string, real: string): void {
  const copy = originalCopyPath(dataFile);
  if (originalIsKept(dataFile, copy, () => sameFiles(copy, real))) return;
  const size = statSync(real).size;
  const temp = writeTempWith(copy, 0o444, (out) => eachSlice(real, (b) => out.write(b)));
  try {
    fault('original-temp-written', temp);
    if (statSync(temp).size !== size) throw new Error(`${temp}: size differs from the original's`);
    renameSync(temp, copy);
  } catch (err) {
    removeQuietly(temp);
    throw fsUserError(err, copy, 'write');
  }
  fsyncDir(dirname(copy));
  fault('original-renamed', copy);
}

/**
 * Journals a label write that a format adapter makes its own way (a Parquet rewrite, image files
 * moved): `begin` with the file's fingerprint before, the adapter's write, `commit`. The next open
 * reconciles by the fingerprint: unchanged means aborted; changed means the adapter finished;
 * a folder (no fingerprint) cannot be told and is marked unknown.
 */
export function journaledWrite(dataFile: string, edits: object[], write: () => void): string {
  const file = basename(dataFile);
  const txn = newTxn();
  const before = existingFingerprint(writtenPath(dataFile, 'data'));
  const begin: BeginRecord = { type: 'begin', txn, time: new Date().toISOString(), file, target: 'data', edits: edits.length, before, after: null };
  appendRecords(dataFile, [begin, ...edits.map((e, i) => ({ ...e, file, txn, ref: `${txn}/${i + 1}` }))]);
  try {
    write();
  } catch (err) {
    try { appendRecords(dataFile, [outcome('abort', begin, 'written', (err as Error).message)]); } catch { /* reconciled later */ }
    throw err;
  }
  appendRecords(dataFile, [outcome('commit', begin, 'written')]);
  return txn;
}

function readExisting(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsUserError(err, path, 'read');
  }
}

/** The fingerprint of a file on disk, hashed a slice at a time (a 150 MB Parquet file is never held whole); null when it cannot be read. */
function existingFingerprint(path: string): Fingerprint | null {
  try {
    const hash = createHash('sha256');
    let size = 0;
    eachSlice(path, (b) => { hash.update(b); size += b.length; });
    return { size, sha256: hash.digest('hex') };
  } catch {
    return null;
  }
}

function outcome(type: OutcomeRecord['type'], b: BeginRecord, how: OutcomeRecord['how'], why?: string): OutcomeRecord {
  return { type, txn: b.txn, time: new Date().toISOString(), file: b.file, target: b.target, how, ...(why ? { why } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The next open.

export interface Recovery {
  /** Temp files of writers that died, removed. */
  removedTemps: string[];
  /** Writes left without an outcome, and what the bytes on disk said. */
  reconciled: { txn: string; target: WriteTarget; outcome: OutcomeRecord['type']; why: string }[];
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return false; // this process is not mid-write while it opens a file
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeDeadTemps(dir: string, bases: Set<string>, removed: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || !bases.has(m[1]) || pidAlive(Number(m[2]))) continue;
    const p = join(dir, name);
    const st = lstatOrUndefined(p);
    if (st && st.isFile()) { removeQuietly(p); removed.push(p); }
  }
}

/**
 * Run when a dataset is opened for editing: removes the temp files of writers that died and gives
 * every `begin` of this file without an outcome the outcome its bytes on disk show.
 */
export function recover(dataFile: string): Recovery {
  const res: Recovery = { removedTemps: [], reconciled: [] };
  const base = basename(dataFile);
  const dataPath = writtenPath(dataFile, 'data');
  const bases = new Set([base, basename(dataPath), basename(sidecarPath(dataFile))]);
  removeDeadTemps(dirname(resolve(dataFile)), bases, res.removedTemps);
  if (dirname(dataPath) !== dirname(resolve(dataFile))) removeDeadTemps(dirname(dataPath), bases, res.removedTemps);
  removeDeadTemps(dirname(originalCopyPath(dataFile)), bases, res.removedTemps);

  const records = readJournalRecords(dataFile);
  const closed = new Set(records.filter((r) => r.type === 'commit' || r.type === 'abort' || r.type === 'unknown').map((r) => r.txn));
  const open = records.filter((r): r is BeginRecord => r.type === 'begin' && r.file === base && !closed.has(r.txn));
  if (open.length === 0) return res;
  const out: OutcomeRecord[] = [];
  for (const b of open) {
    const edits = records.filter((r) => r.txn === b.txn && r.type === undefined).length;
    const now = existingFingerprint(writtenPath(dataFile, b.target));
    const is = (f: Fingerprint | null) => (f === null ? now === null : now !== null && now.sha256 === f.sha256 && now.size === f.size);
    let o: OutcomeRecord;
    if (edits < b.edits) o = outcome('abort', b, 'reconciled', `the journal holds ${edits} of the ${b.edits} edits: the writer stopped before it touched the file`);
    else if (b.after === null) {
      o = b.before === null ? outcome('unknown', b, 'reconciled', 'written by the format\'s own writer on a folder: the files cannot tell whether it finished; check these rows')
        : is(b.before) ? outcome('abort', b, 'reconciled', 'the file holds the old bytes: the format\'s writer stopped before replacing it')
          : outcome('commit', b, 'reconciled', 'the file was replaced: the format\'s writer finished');
    } else if (is(b.after)) o = outcome('commit', b, 'reconciled', 'the file holds the new bytes: the writer stopped after the rename');
    else if (is(b.before)) o = outcome('abort', b, 'reconciled', 'the file holds the old bytes: the writer stopped before the rename');
    else o = outcome('abort', b, 'reconciled', 'the file holds neither the bytes before nor after this write: it was changed by another program, so none of these edits is known to be in it');
    out.push(o);
    res.reconciled.push({ txn: b.txn, target: b.target, outcome: o.type, why: o.why ?? '' });
  }
  try {
    appendRecords(dataFile, out);
  } catch (err) {
    // A folder that cannot be written now (read-only media) is still opened; the writes stay open in
    // the journal and are reconciled by the next open that can write.
    if (!(err instanceof UserError) || err.code !== 'not-writable') throw err;
    res.reconciled = [];
  }
  return res;
}

/**
 * Writes a file the user chose (save as): atomically, at a symlink's target, refusing a read-only
 * file or folder; no journal (the data file it came from is unchanged).
 */
export function writeUserFile(path: string, bytes: Uint8Array): void {
  const real = writtenPath(path, 'data');
  const { mode } = preflight({ dataFile: path, target: 'data', bytes, expected: undefined, edits: [] }, real);
  replaceWith(real, bytes, mode);
}
