/**
 * A folder of images laid out as root/<class>/<file> (torchvision's ImageFolder; deeper folders
 * are kept under their class): one row per image, id = its path relative to the root with "/"
 * separators (e.g. "7/img_0042.png"), label = the class folder. Files that are not whole images of
 * the kind their name says are reported by path and skipped (never moved); other files are listed
 * as warnings and ignored.
 *
 * A relabel moves the file to the new class's folder: every move is checked first (source
 * unchanged since it was read, a whole image, no file of that name at the destination), then made
 * without ever replacing a file (a hard link that fails if the name exists, then the old name is
 * removed), and undone if a later move fails.
 */
import { closeSync, constants, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, fsyncSync, statSync, unlinkSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { UserError } from '../errors';
import type { Problem, ProblemCode } from '../table/problems';
import { reportProblem, type FormatIndex, type FormatTable } from './formatTable';
import { checkImageFile, decodeGrey, kindOfName } from './imageDecode';

/** Where the image of each row is: for a folder, root + id; for a path CSV, the CSV's folder + the cell. */
export interface ImageSource {
  /** Absolute path of the image of row `i`. */
  imagePath(i: number): string;
}

interface Entry {
  rel: string;
  cls: string;
  size: number;
  mtimeMs: number;
}

const MAX_LISTED = 1_000_000;

/** Sort key that a move between classes does not change: rows keep their positions across saves. */
const keyOf = (e: Entry) => e.rel.slice(e.cls.length + 1);

export class ImageFolderTable implements FormatTable, ImageSource {
  readonly format = 'images' as const;
  readonly name: string;
  readonly header = ['path', 'label'];
  readonly headerLine = 0;
  readonly index: FormatIndex;
  readonly problems: Problem[] = [];
  readonly problemCounts = new Map<ProblemCode, number>();
  private readonly entries: Entry[];

  constructor(readonly path: string) {
    this.path = resolve(path);
    this.name = basename(this.path) + '/';
    const entries: Entry[] = [];
    const ignored: string[] = [];
    let classes = 0;
    for (const d of readdirSync(this.path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (d.name.startsWith('.')) continue;
      if (!d.isDirectory()) { ignored.push(d.name); continue; }
      classes++;
      this.walk(d.name, d.name, entries, ignored);
    }
    entries.sort((a, b) => { const ka = keyOf(a), kb = keyOf(b); return ka < kb ? -1 : ka > kb ? 1 : a.cls < b.cls ? -1 : a.cls > b.cls ? 1 : 0; });
    this.entries = entries;
    const n = entries.length;
    if (n === 0) {
      throw new UserError('data', `${this.path}: no images found: expected sub-folders named after the classes holding .png, .jpg, .jpeg or .webp files (root/<class>/<file>)${classes === 0 ? '; the folder has no sub-folders' : ''}`, { file: this.path });
    }
    const line = new Uint32Array(n);
    for (let i = 0; i < n; i++) line[i] = i + 1;
    this.index = { count: n, line, damaged: new Uint8Array(n) };
    for (const f of ignored.slice(0, 50)) this.report({ severity: 'warning', code: 'not-an-image', file: f, line: 0, column: 0, message: `not an image in a class folder (expected root/<class>/<file>.png|jpg|jpeg|webp); ignored` });
    for (let i = 0; i < n; i++) {
      const why = checkImageFile(this.imagePath(i));
      if (why) this.report({ severity: 'error', code: 'unreadable-image', file: entries[i].rel, line: i + 1, column: 0, row: i, message: `${why}; skipped and never moved` });
    }
  }

  private walk(cls: string, rel: string, out: Entry[], ignored: string[]): void {
    for (const d of readdirSync(join(this.path, rel), { withFileTypes: true })) {
      if (d.name.startsWith('.')) continue;
      const r = `${rel}/${d.name}`;
      if (d.isDirectory()) { this.walk(cls, r, out, ignored); continue; }
      if (!d.isFile() && !d.isSymbolicLink()) continue;
      if (!kindOfName(d.name)) { ignored.push(r); continue; }
      if (out.length >= MAX_LISTED) throw new UserError('data', `${this.path}: more than ${MAX_LISTED} images; open a sub-folder`, { file: this.path });
      const st = statSync(join(this.path, r));
      out.push({ rel: r, cls, size: st.size, mtimeMs: st.mtimeMs });
    }
  }

  get rowCount(): number { return this.index.count; }

  imagePath(i: number): string {
    return join(this.path, ...this.entries[i].rel.split('/'));
  }

  row(i: number): string[] {
    return [this.entries[i].rel, this.entries[i].cls];
  }

  cell(i: number, col: number): string {
    return this.row(i)[col] ?? '';
  }

  report(p: Problem): void { reportProblem(this, p); }

  /** Where row `i`'s file goes when its class becomes `to`. */
  private destination(i: number, to: string): string {
    const e = this.entries[i];
    return `${to}/${e.rel.slice(e.cls.length + 1)}`;
  }

  writeLabels(labelCol: number, changes: ReadonlyMap<number, string>): void {
    if (labelCol !== 1) throw new UserError('data', `${this.name}: the label of an image folder is its class folder; column ${this.header[labelCol]} cannot be changed`, { file: this.path });
    const moves: { row: number; from: string; to: string }[] = [];
    const targets = new Set<string>();
    for (const [row, to] of changes) {
      const e = this.entries[row];
      const where = { file: e ? join(this.path, e.rel) : this.path };
      if (!e) throw new UserError('data', `${this.name}: row ${row + 1} does not exist`, where);
      if (to === '') throw new UserError('data', `${e.rel}: an image in a class folder cannot be made unlabeled; move it out by hand`, where);
      if (to === '.' || to === '..' || to.startsWith('.') || /[/\\\0]/.test(to) || (sep === '\\' && /[<>:"|?*]/.test(to))) {
        throw new UserError('data', `${e.rel}: "${to}" cannot be a class folder name (no slashes, no leading dot)`, where);
      }
      if (this.index.damaged[row]) throw new UserError('data', `${e.rel} could not be read as an image and is never moved (see the problems list)`, where);
      const from = this.imagePath(row);
      const rel = this.destination(row, to);
      const dest = join(this.path, ...rel.split('/'));
      let st;
      try { st = statSync(from); } catch { throw new UserError('file-changed', `${e.rel} is no longer there: it was moved or deleted since the folder was read; reload`, where); }
      if (st.size !== e.size || st.mtimeMs !== e.mtimeMs) throw new UserError('file-changed', `${e.rel} changed on disk since the folder was read: not moved. Reload and relabel again`, where);
      try {
        decodeGrey(readFileSync(from), kindOfName(from)!);
      } catch (err) {
        if (kindOfName(from) !== 'webp') throw new UserError('data', `${e.rel} cannot be decoded (${(err as Error).message}); it is not moved`, where);
      }
      if (existsSync(dest) || targets.has(dest)) throw new UserError('data', `cannot move ${e.rel} to ${to}/: ${rel} already exists (a file is never overwritten); rename one of them first`, { file: dest });
      targets.add(dest);
      moves.push({ row, from, to: dest });
    }
    const done: { from: string; to: string }[] = [];
    try {
      for (const m of moves) {
        mkdirSync(join(m.to, '..'), { recursive: true });
        moveNoReplace(m.from, m.to);
        done.push(m);
      }
    } catch (err) {
      // Put back what was moved: the folder is as it was, and the journal (written after) is not lied to.
      for (const m of done.reverse()) { try { moveNoReplace(m.to, m.from); } catch { /* reported below with the first error */ } }
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not-writable' : 'data', `moving images failed (${(err as Error).message}); every move was undone`, { file: this.path });
    }
    fsyncDirs([...new Set(moves.flatMap((m) => [join(m.from, '..'), join(m.to, '..')]))]);
  }
}

/** Renames without ever replacing a file: link (fails if the name exists), then unlink the old name. */
function moveNoReplace(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw err;
    // File systems without hard links: an exclusive copy, then remove the original.
    copyFileSync(from, to, constants.COPYFILE_EXCL);
  }
  unlinkSync(from);
}

function fsyncDirs(dirs: string[]): void {
  for (const d of dirs) {
    try { const fd = openSync(d, 'r'); try { fsyncSync(fd); } finally { closeSync(fd); } } catch { /* not supported on every platform */ }
  }
}

export function isImageSource(t: object): t is ImageSource {
  return typeof (t as ImageSource).imagePath === 'function';
}
