/**
 * The train-options table is the one source of the options: package.json's settings, the CLI's
 * flags and help, and the engine's validation must all agree with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers';
import { checkTrainOptions, DEFAULT_TRAIN_OPTIONS, TRAIN_OPTION_NAMES, TRAIN_OPTIONS, type OptionSpec } from '../../src/protocol/trainOptions';
import { trainFlags, trainHelp, trainOptionsOf } from '../../src/cli/args';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8'));
const properties: Record<string, Record<string, unknown>> = pkg.contributes.configuration.properties;
/** Settings that are not training options (review actions). */
const NOT_TRAINING = new Set(['labelLens.smoothingEpsilon', 'labelLens.applyThreshold']);

test('every setting of a train option matches its row: type, default, range, enum, description', () => {
  for (const name of TRAIN_OPTION_NAMES) {
    const spec: OptionSpec = TRAIN_OPTIONS[name];
    if (!spec.setting) continue;
    const key = `labelLens.${spec.setting}`;
    const p = properties[key];
    assert.ok(p, `${key} is in package.json for option ${name}`);
    assert.equal(p.type, spec.type === 'enum' ? 'string' : spec.type, `${key}: type`);
    assert.deepEqual(p.default, spec.default, `${key}: default`);
    if (spec.type === 'integer' || spec.type === 'number') {
      assert.equal(p.minimum, spec.minimum, `${key}: minimum`);
      assert.equal(p.maximum, spec.maximum, `${key}: maximum`);
    }
    if (spec.type === 'enum') assert.deepEqual(p.enum, spec.values, `${key}: enum`);
    assert.equal(p.description, `%config.${spec.setting}%`, `${key}: localized description`);
    assert.ok(nls[`config.${spec.setting}`], `package.nls.json has config.${spec.setting}`);
  }
});

test('every labelLens setting is a row of the table or a known review setting', () => {
  const settings = new Set(TRAIN_OPTION_NAMES.map((n) => (TRAIN_OPTIONS[n] as OptionSpec).setting).filter(Boolean).map((s) => `labelLens.${s}`));
  for (const key of Object.keys(properties)) assert.ok(settings.has(key) || NOT_TRAINING.has(key), `${key} has a row in src/protocol/trainOptions.ts`);
});

test('defaults and validation come from the table', () => {
  for (const name of TRAIN_OPTION_NAMES) {
    assert.equal(DEFAULT_TRAIN_OPTIONS[name], TRAIN_OPTIONS[name].default);
    assert.equal(checkTrainOptions({ [name]: TRAIN_OPTIONS[name].default }), undefined, `the default of ${name} is valid`);
  }
  assert.equal(checkTrainOptions(DEFAULT_TRAIN_OPTIONS), undefined);
  assert.match(checkTrainOptions({ labelSmoothing: 0.995 })!.message, /labelSmoothing.*0\.995.*from 0 to 0\.99/);
  assert.match(checkTrainOptions({ folds: 2.5 })!.message, /folds.*integer/);
  assert.match(checkTrainOptions({ imbalance: 'smote' })!.message, /one of none, class-weights/);
  assert.match(checkTrainOptions({ nope: 1 })!.message, /unknown option "nope"/);
  assert.match(checkTrainOptions({ toString: 1 })!.message, /unknown option "toString"/, 'inherited names are not options');
});

test('the CLI has a flag and a help line for every option with a flag, named as in the table', () => {
  const help = trainHelp();
  for (const name of TRAIN_OPTION_NAMES) {
    const spec: OptionSpec = TRAIN_OPTIONS[name];
    if (!spec.flag) continue;
    assert.ok(trainFlags[spec.flag], `--${spec.flag}`);
    assert.match(help, new RegExp(`--${spec.flag}\\b[^]*?${spec.description.slice(0, 20).replace(/[()|.*+?^${}[\]\\]/g, '\\$&')}`));
  }
  assert.deepEqual(trainOptionsOf({ folds: '3', smoothing: '0.1', 'label-names': true, 'pixel-model': 'cnn', pi: '0' }), { folds: 3, labelSmoothing: 0.1, labelNames: true, pixelModel: 'cnn', piPasses: 0 });
  assert.throws(() => trainOptionsOf({ smoothing: '0.995' }), /--smoothing has an invalid value "0\.995": expected a number from 0 to 0\.99/);
  assert.throws(() => trainOptionsOf({ folds: 'many' }), /--folds expects a number, got "many"/);
});

test('an option on by default has its --no-… flag for every command that takes train options (analyze, retrain, plan), with a help line', async () => {
  const help = trainHelp();
  const off = TRAIN_OPTION_NAMES.filter((n) => (TRAIN_OPTIONS[n] as OptionSpec).offFlag);
  assert.deepEqual(off, ['knn', 'naiveBayes']);
  for (const name of off) {
    const spec: OptionSpec = TRAIN_OPTIONS[name];
    assert.equal(spec.type === 'boolean' && spec.default, true, name);
    assert.equal(trainFlags[spec.offFlag!]?.type, 'boolean', `--${spec.offFlag}`);
    assert.match(help, new RegExp(`--${spec.offFlag}\\s+leave out`));
  }
  assert.deepEqual(trainOptionsOf({ 'no-naive-bayes': true, 'no-knn': true, folds: '4' }), { folds: 4, knn: false, naiveBayes: false });
  assert.deepEqual(trainOptionsOf({}), {});
  // plan takes the same flags (it parses trainFlags): refused before this, as an unknown option.
  const { parse } = await import('../../src/cli/args');
  assert.equal(parse(['f.csv', '--no-naive-bayes'], { ...trainFlags }).values['no-naive-bayes'], true);
});
