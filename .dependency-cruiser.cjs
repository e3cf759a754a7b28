/**
 * `npm run check:cycles` (part of `npm test`): fails on any import cycle in src/ and webview/,
 * type-only imports included (tsPreCompilationDeps), since a cycle of types is a cycle of concepts.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide which module owns a concept, and in a bundle they run code before it is defined (the CLI options bug).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
