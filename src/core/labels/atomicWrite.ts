/** Kept for the modules that import FileChangedError from here; the write protocol is writeProtocol.ts. */
export { FileChangedError, originalCopyPath } from './writeProtocol';
