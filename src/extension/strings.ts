/** The webview's strings, translated by vscode.l10n on the host (the webview has no l10n API). */
import * as vscode from 'vscode';

export function webviewStrings(): Record<string, string> {
  const t = vscode.l10n.t;
  return {
    review: t('Review'), classes: t('Classes'), runs: t('Runs'),
    analyze: t('Analyze'), retrain: t('Retrain'), cancel: t('Cancel'), applyAbove: t('Apply suggestions ≥'), help: t('Keyboard help'),
    search: t('Search text or id'), allClasses: t('All classes'), all: t('All rows'), flagged: t('Flagged'), edited: t('Edited'),
    accepted: t('Accepted'), unreviewed: t('Not accepted'), bySuspicion: t('Most suspicious first'), byRow: t('File order'),
    bySelfConfidence: t('Lowest self-confidence first'), byMargin: t('Lowest margin first'),
    given: t('given'), suggested: t('suggested'), suspicion: t('suspicion'), soft: t('soft label'), target: t('smoothing target'),
    softVsHard: t('Soft vs hard label'), history: t('p(given) per epoch'), noAnalysis: t('No analysis yet: run Analyze to rank the rows.'),
    predicted: t('predicted'), corrected: t('current'), precision: t('precision'), recall: t('recall'),
    matrix: t('Given × predicted'), imbalanceRatio: t('Imbalance ratio (largest/smallest)'), noRuns: t('No runs yet.'),
    analysis: t('Analysis'), before: t('before'), after: t('after'), accuracy: t('held-out accuracy'), flaggedRows: t('flagged rows'),
    mapComputing: t('Computing the map…'), mapMissing: t("This analysis's map file is missing (its job stopped before the map was written): run Analyze again to make it."),
    fixed: t('flagged rows fixed'), pickClass: t('Relabel to…'), close: t('Close'), helpTitle: t('Keyboard'), undo: t('Undo'),
  };
}
