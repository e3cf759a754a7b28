/** Kept for the modules that import from here; the write protocol is writeProtocol.ts. */
export { atomicWrite, FileChangedError, originalCopyPath } from './writeProtocol';
