/** English UI strings; the host sends the translated set (vscode.l10n) in the init message. */
export const STRINGS: Record<string, string> = {
  review: 'Review', classes: 'Classes', runs: 'Runs',
  analyze: 'Analyze', retrain: 'Retrain', cancel: 'Cancel', applyAbove: 'Apply suggestions ≥', help: 'Keyboard help',
  search: 'Search text or id', allClasses: 'All classes', show: 'Show', all: 'All rows', flagged: 'Flagged', edited: 'Edited',
  accepted: 'Accepted', unreviewed: 'Not accepted', sort: 'Sort', bySuspicion: 'Most suspicious first', byRow: 'File order',
  bySelfConfidence: 'Lowest self-confidence first', byMargin: 'Lowest margin first', id: 'id', line: 'line', text: 'text',
  label: 'label', given: 'given', suggested: 'suggested', suspicion: 'suspicion', soft: 'soft label', target: 'smoothing target',
  softVsHard: 'Soft vs hard label', history: 'p(given) per epoch', entropy: 'entropy', wasLabel: 'in file:', noAnalysis: 'No analysis yet: run Analyze to rank the rows.',
  rows: 'rows', selected: 'selected', class: 'class', predicted: 'predicted', corrected: 'current', precision: 'precision', recall: 'recall',
  matrix: 'Given × predicted', matrixTooBig: 'The matrix is drawn up to {0} classes; the most-confused pairs above cover any number.', linear: 'linear', log: 'log', share: 'share of given', noConfusion: 'No confusion between classes.', head: 'largest', tail: 'smallest', confusedPairs: 'Most-confused pairs (given → predicted)', perClass: 'Per class', imbalanceRatio: 'Imbalance ratio (largest/smallest)',
  histogram: 'Histogram of given, predicted and corrected labels', noRuns: 'No runs yet.', analysis: 'Analysis', before: 'before', after: 'after',
  accuracy: 'held-out accuracy', flaggedRows: 'flagged rows', fixed: 'flagged rows fixed', pickClass: 'Relabel to…', close: 'Close',
  nothingSelected: 'No row selected', loading: 'Loading…', helpTitle: 'Keyboard', applySuggestion: 'Apply suggestion', smooth: 'Smooth', accept: 'Accept',
  undo: 'Undo', redo: 'Redo', damaged: 'damaged row (skipped)', clearFilters: 'Clear filters',
  refresh: 'Refresh order', orderKept: 'order kept while you edit; Refresh (r) ranks again', filterClasses: 'Type to filter classes',
  applyAboveHint: 'Relabel flagged rows whose suggested class has at least this probability', applyPreview: 'Apply suggestions',
  applyN: 'Apply to {0} rows', previewSummary: '{0} flagged rows have a suggested class with probability ≥ {1}. One undo step.', from: 'from', to: 'to', otherColumn: 'Other column…', any: 'any', empty: '(empty)', contains: 'contains…', pWrong: 'p(wrong)', epoch: 'epoch', trustedSet: 'agreement with the rows you reviewed', noTrusted: 'No reviewed rows yet: relabel or accept rows, save, then retrain to measure on them.', grid: 'Grid', table: 'Table', tileSize: 'Thumbnail size', pWrongLong: 'probability the label is wrong', of: 'of', reviewedOf: 'reviewed {0} of {1} flagged', morePairs: 'and {0} more pairs ({1} rows)',
};
