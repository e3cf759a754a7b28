/**
 * Where a fanned-out analysis keeps its plan, inputs and job outputs: one small interface, so the
 * shared folder of today (a PersistentVolume, NFS) can become an object store (S3, GCS) without
 * touching the plan, fold or merge code. Keys are relative names with `/` ("jobs/job-00003.bin").
 *
 * The one guarantee every store gives: `write` is all or nothing. A reader sees the previous
 * object, or the new one, never a part, even when the writer is killed half way (a file store
 * writes a temp file and renames it; an object store's PUT is atomic by itself).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsUserError, UserError } from './errors';

export interface BlobStore {
  /** Where the store is, for messages ("/mnt/plan", later "s3://bucket/plan"). */
  readonly location: string;
  /** The whole object, or undefined when there is none. */
  read(key: string): Promise<Uint8Array | undefined>;
  /** Replaces the object at once (see above); creates what is needed to hold it. */
  write(key: string, data: Uint8Array | string): Promise<void>;
  /** Keys that start with a prefix ("jobs/"), sorted; never the temp objects of writes in flight or killed. */
  list(prefix: string): Promise<string[]>;
  /** How a key is named in messages (a path, or a URL). */
  describe(key: string): string;
}

/** Test hook: runs after the temp file is complete, before the rename that publishes it. */
export interface DirStoreFaults {
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

/**
 * Keys are names an object store would take as they are: segments of letters, digits, `.`, `_`
 * and `-`, none starting with a dot (so no `..`, no hidden files, nothing outside the folder).
 */
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
const TEMP = /^\..*\.tmp-[0-9a-f]+$/;
/** A temp file nobody has written to for this long was left by a writer that was killed. */
const STALE_TEMP_MS = 10 * 60 * 1000;

/** A folder as a store: a local disk, or a shared file system mounted on every machine. */
export class DirStore implements BlobStore {
  readonly location: string;

  constructor(dir: string, private readonly faults: DirStoreFaults = {}) {
    this.location = resolve(dir);
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new UserError('unsafe-path', `${JSON.stringify(key)}: not a key inside ${this.location} (expected names like jobs/job-00001.bin)`);
    return join(this.location, ...key.split('/'));
  }

  describe(key: string): string {
    return this.pathOf(key);
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      return readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsUserError(err, path, 'read');
    }
  }

  async write(key: string, data: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const dir = dirname(path);
    const name = path.slice(dir.length + 1);
    // Beside the target, so the rename stays on one file system; hidden and marked, so `list`
    // skips it, and a later write of the same key removes what a killed writer left.
    const temp = join(dir, `.${name}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(dir, { recursive: true });
      const fd = openSync(temp, 'wx', 0o644);
      try {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      await this.faults.beforeRename?.(temp);
      renameSync(temp, path);
    } catch (err) {
      try { unlinkSync(temp); } catch { /* never created, or already renamed */ }
      throw fsUserError(err, path, 'write');
    }
    syncDir(dir);
    removeStaleTemps(dir, name);
  }

  async list(prefix: string): Promise<string[]> {
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut < 0 ? '' : prefix.slice(0, cut);
    const start = prefix.slice(cut + 1);
    const dir = dirKey ? this.pathOf(dirKey) : this.location;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fsUserError(err, dir, 'read');
    }
    return names.filter((n) => n.startsWith(start) && KEY.test(n)).map((n) => (dirKey ? `${dirKey}/${n}` : n)).sort();
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // Some platforms cannot open a folder; the rename is still atomic there.
  }
}

/**
 * Temp files of earlier writes of this name that were killed before their rename. A fresh one may
 * belong to a second run of the same job writing right now: left alone.
 */
function removeStaleTemps(dir: string, name: string): void {
  const now = Date.now();
  for (const n of readdirSync(dir)) {
    if (!n.startsWith(`.${name}.tmp-`) || !TEMP.test(n)) continue;
    try {
      const p = join(dir, n);
      if (now - statSync(p).mtimeMs > STALE_TEMP_MS) unlinkSync(p);
    } catch {
      // Renamed or removed meanwhile by its writer.
    }
  }
}
