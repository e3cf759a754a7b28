/**
 * Every training option in one table: its type, default, range, what it does, its CLI flag and its
 * VS Code setting. The protocol's `TrainOptions` type and defaults, the engine's validation, the
 * CLI's flags and help, and the extension's settings reader all come from this table, and a test
 * checks package.json's `contributes.configuration` against it. Adding an option = adding a row
 * (plus its setting in package.json and package.nls.json when it has one).
 */

interface Common {
  /** One line for `label-lens --help`. */
  description: string;
  /** CLI flag without the dashes; absent = not settable from the CLI. */
  flag?: string;
  /** A boolean on by default: the CLI flag that turns it off (`no-knn`), without the dashes. */
  offFlag?: string;
  /** Placeholder of the flag's value in the help (`--folds K`). */
  arg?: string;
  /** VS Code setting under `labelLens.`; absent = no setting. */
  setting?: string;
}
export interface IntegerOption extends Common { type: 'integer'; default: number; minimum: number; maximum: number }
export interface NumberOption extends Common { type: 'number'; default: number; minimum: number; maximum: number }
export interface BooleanOption extends Common { type: 'boolean'; default: boolean }
export interface EnumOption extends Common { type: 'enum'; values: readonly string[]; default: string }
/** A free string (a path, a column, a model name); '' means "not set". */
export interface StringOption extends Common { type: 'string'; default: string; maxLength: number }
export type OptionSpec = IntegerOption | NumberOption | BooleanOption | EnumOption | StringOption;

export const TRAIN_OPTIONS = {
  folds: { type: 'integer', default: 5, minimum: 2, maximum: 20, flag: 'folds', arg: 'K', setting: 'folds', description: 'folds of cross-validation' },
  repeats: { type: 'integer', default: 0, minimum: 0, maximum: 5, flag: 'repeats', arg: 'R', setting: 'repeats', description: 'K-fold repeats with different splits, averaged (0 = by data kind: text 2, else 1)' },
  epochs: { type: 'integer', default: 0, minimum: 0, maximum: 500, flag: 'epochs', arg: 'E', setting: 'epochs', description: 'training epochs (0 = chosen from the data)' },
  seed: { type: 'integer', default: 1, minimum: 0, maximum: 2 ** 31, flag: 'seed', arg: 'S', setting: 'seed', description: 'random seed: the same seed gives the same analysis' },
  piPasses: { type: 'integer', default: 5, minimum: 0, maximum: 50, flag: 'pi', arg: 'T', description: 'stochastic (dropout) passes at the end of training for the Π-model signal' },
  emaDecay: { type: 'number', default: 0.9, minimum: 0, maximum: 0.999, description: 'temporal-ensemble decay α of Z ← αZ + (1−α)z' },
  teacherHorizon: { type: 'number', default: 1, minimum: 0, maximum: 100, flag: 'teacher', arg: 'H', description: 'mean-teacher horizon: EMA of the weights over H epochs' },
  consistency: { type: 'number', default: 0, minimum: 0, maximum: 100, flag: 'consistency', arg: 'λ', setting: 'consistency', description: 'weight of the consistency loss towards each row\'s temporal ensemble (0 = off)' },
  labelSmoothing: { type: 'number', default: 0, minimum: 0, maximum: 0.99, flag: 'smoothing', arg: 'ε', setting: 'labelSmoothing', description: 'global label smoothing ε (rows smoothed in the review keep their own target)' },
  imbalance: { type: 'enum', values: ['none', 'class-weights', 'logit-adjustment', 'focal'], default: 'none', flag: 'imbalance', setting: 'imbalance', description: 'remedy for class imbalance' },
  labelNames: { type: 'boolean', default: false, flag: 'label-names', setting: 'labelNames', description: 'add each class name as a training example of its class (text data)' },
  workers: { type: 'integer', default: 0, minimum: 0, maximum: 64, flag: 'workers', arg: 'N', description: 'parallel fold workers (0 = one per core)' },
  prune: { type: 'boolean', default: false, flag: 'prune', setting: 'prune', description: 'train a second pass without the rows the first flagged (systematic noise; 2× time)' },
  pixelModel: { type: 'enum', values: ['auto', 'mlp', 'cnn'], default: 'auto', flag: 'pixel-model', setting: 'pixelModel', description: 'network for pixel images (auto: CNN on tfjs-node, else MLP)' },
  // Default 0.5: on ag_news and toutiao it finds ≥ 0.98 of injected near copies (a few characters
  // edited, words reordered, punctuation added) at precision 1.0, while natural pairs of different
  // texts mostly stay below it (bench/duplicates.ts).
  jaccard: { type: 'number', default: 0.5, minimum: 0.05, maximum: 1, flag: 'jaccard', arg: 'T', setting: 'jaccard', description: 'near-duplicate texts from this Jaccard similarity of their n-grams (1 = exact copies only, after normalisation)' },
  splitDuplicates: { type: 'boolean', default: false, flag: 'split-duplicates', description: 'let copies fall in different folds (default: each duplicate group stays in one fold and exact copies are trained on once)' },
  // Bring your own model (README "Bring your own model"). Paths travel absolute: the CLI resolves them.
  predProbs: { type: 'string', default: '', maxLength: 4096, flag: 'pred-probs', arg: 'PROBS', description: 'your model\'s out-of-sample probabilities (.csv/.tsv/.jsonl/.npy): rank from them, no training' },
  normalize: { type: 'boolean', default: false, flag: 'normalize', description: 'divide each row of --pred-probs by its sum' },
  ensemble: { type: 'boolean', default: false, flag: 'ensemble', description: 'average --pred-probs with our own out-of-fold predictions' },
  embeddings: { type: 'string', default: '', maxLength: 4096, flag: 'embeddings', arg: 'FILE.npy', description: 'N×D embeddings in file row order for the model to learn from' },
  encoder: { type: 'string', default: '', maxLength: 4096, flag: 'encoder', arg: 'NAME_OR_PATH', setting: 'encoder', description: 'embed the text with a pretrained sentence encoder (Hugging Face id or folder; optional runtime)' },
  map: { type: 'enum', values: ['auto', 'umap', 'pca', 'none'], default: 'auto', flag: 'map', description: 'the 2-D embedding map of the rows (auto: UMAP on a sample up to 50k rows, else PCA; none: no map)' },
  // Measured in bench/byom.ts (bench/RESULTS.md, "Bring your own model").
  // logreg: on LSA embeddings of ag_news and sms_spam (k-NN agreement in each) AP 0.855 / 0.943
  // against the MLP's 0.845 / 0.927 and the two averaged 0.855 / 0.939, at a third of the MLP's time.
  embeddingModel: { type: 'enum', values: ['logreg', 'logreg+mlp', 'mlp'], default: 'logreg', flag: 'embedding-model', description: 'model learned from embeddings: standardised logistic regression (default), the MLP, or the two averaged' },
  knn: { type: 'boolean', default: true, offFlag: 'no-knn', description: 'k-NN label agreement on the embeddings, an equal part of the consensus' },
  // Measured in bench/RESULTS.md ("What moved AP"): AP ag_news, toutiao uniform and pair noise up, SMS level.
  naiveBayes: { type: 'boolean', default: true, offFlag: 'no-naive-bayes', description: 'multinomial naive Bayes on the n-grams (out of fold), an equal part of the text consensus' },
} as const satisfies Record<string, OptionSpec>;

type Table = typeof TRAIN_OPTIONS;
type ValueOf<S> = S extends { type: 'integer' | 'number' } ? number
  : S extends { type: 'boolean' } ? boolean
  : S extends { type: 'enum'; values: readonly (infer V)[] } ? V
  : string;

/** The options of a training job, one field per row of the table. */
export type TrainOptions = { -readonly [K in keyof Table]: ValueOf<Table[K]> };
export type TrainOptionName = keyof TrainOptions;
export type ImbalanceRemedy = TrainOptions['imbalance'];
/** Network for pixel images: auto = a CNN on the native tfjs-node backend, else the MLP. */
export type PixelModel = TrainOptions['pixelModel'];

export const TRAIN_OPTION_NAMES = Object.keys(TRAIN_OPTIONS) as TrainOptionName[];

export function optionSpec(name: TrainOptionName): OptionSpec {
  return TRAIN_OPTIONS[name];
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = Object.fromEntries(TRAIN_OPTION_NAMES.map((k) => [k, TRAIN_OPTIONS[k].default])) as TrainOptions;

/** Whether `v` is a valid value of the option. */
export function validOption(spec: OptionSpec, v: unknown): boolean {
  switch (spec.type) {
    case 'integer': return typeof v === 'number' && Number.isInteger(v) && v >= spec.minimum && v <= spec.maximum;
    case 'number': return typeof v === 'number' && Number.isFinite(v) && v >= spec.minimum && v <= spec.maximum;
    case 'boolean': return typeof v === 'boolean';
    case 'enum': return typeof v === 'string' && spec.values.includes(v);
    case 'string': return typeof v === 'string' && v.length <= spec.maxLength;
  }
}

/** What a valid value looks like, for messages: "an integer from 2 to 20", "none, focal". */
export function expected(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer': return `an integer from ${spec.minimum} to ${spec.maximum}`;
    case 'number': return `a number from ${spec.minimum} to ${spec.maximum}`;
    case 'boolean': return 'true or false';
    case 'enum': return `one of ${spec.values.join(', ')}`;
    case 'string': return `a string of at most ${spec.maxLength} characters`;
  }
}

/** A problem with one option, named the way the caller's user knows it (a flag, a setting, a field). */
export interface OptionProblem {
  name: string;
  value: unknown;
  message: string;
}

/** Checks partial train options; returns the first problem or undefined. */
export function checkTrainOptions(o: unknown): OptionProblem | undefined {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { name: '', value: o, message: 'options must be an object' };
  for (const [k, v] of Object.entries(o)) {
    if (!Object.hasOwn(TRAIN_OPTIONS, k)) return { name: k, value: v, message: `unknown option "${k}"` };
    const spec = TRAIN_OPTIONS[k as TrainOptionName];
    if (!validOption(spec, v)) return { name: k, value: v, message: `option "${k}" has an invalid value ${JSON.stringify(v)}: expected ${expected(spec)}` };
  }
  return undefined;
}
