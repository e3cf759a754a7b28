/** The fixed settings of each model, one place for the trainers, the factories and prepare. */

/**
 * Text model settings (tuned on the shared datasets with injected noise; see bench/RESULTS.md).
 * dim 8: the wide layer carries the model, and 8 dimensions score as 32 did at half the time.
 * repeats 2: two K-fold splits averaged, +0.005 AP on ag_news and toutiao for twice the training,
 * which for text takes seconds; one above repeatWorkMax units of work per repeat (prepare.textRepeats):
 * toutiao 20k 2.5e8, IMDB 25k 7e8, iflytek 7.7e9 (one repeat there: the same AP in half the time).
 */
export const TEXT_MODEL = { repeats: 2, repeatWorkMax: 1.5e9, dim: 8, lr: 0.02, tokenDropout: 0.5, piDropout: 0.5, minEpochs: 6, maxEpochs: 20, initScale: 0.1, wideBuckets: 1 << 18, wideLr: 0.5 };

/**
 * Dense model settings (tuned on MNIST; see bench/). One K-fold pass: a second would double
 * minutes of training.
 */
export const DENSE_MODEL = { hidden: 256, dropout: 0.3, inputDropout: 0.1, lr: 0.001, batch: 64, epochs: 12, repeats: 1 };
