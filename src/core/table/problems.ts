/** Problems found in a data file: each names file, line and column and says what was expected. */
import { UserError } from '../errors';

export type ProblemCode =
  | 'empty-file'
  | 'header-only'
  | 'unterminated-quote'
  | 'text-after-quote'
  | 'ragged-row'
  | 'undecodable'
  | 'invalid-json'
  | 'not-an-object'
  | 'duplicate-header'
  | 'duplicate-id'
  | 'blank-id'
  | 'duplicate-key'
  | 'encoding-mismatch'
  | 'maybe-utf16'
  | 'no-label-column'
  | 'unknown-column'
  /** An image file that is broken, empty, or not the kind its name says (image folders, path columns). */
  | 'unreadable-image'
  /** A file in an image folder that is not an image. */
  | 'not-an-image';

export interface Problem {
  /** 'error' rows are skipped for analysis (never removed from the file); 'warning' rows are used. */
  severity: 'error' | 'warning';
  code: ProblemCode;
  file: string;
  /** 1-based line of the file. */
  line: number;
  /** 1-based character column in that line. */
  column: number;
  /** 0-based data row, when the problem belongs to one row. */
  row?: number;
  message: string;
}

/** "data.csv:12:5: error: ..." — the shape editors and terminals turn into links. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.message}`;
}

/** Thrown when a file cannot be read as a table at all (empty, not a table, unreadable). */
export class TableError extends UserError {
  constructor(readonly problem: Problem) {
    super('data', formatProblem(problem), { file: problem.file, line: problem.line, column: problem.column });
    this.name = 'TableError';
  }
}
