/**
 * The plan against the analysis it stands for, in-process on the bundled sample: the same fold
 * assignment crossValidate uses, the same FoldInput for each job, a fingerprint that follows what
 * decides the results and nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirStore } from '../../src/core/storage';
import { crossValidate } from '../../src/engine/crossval';
import { makePlan } from '../../src/engine/fanout/plan';
import { runFoldJob } from '../../src/engine/fanout/foldJob';
import { readFolds, readInputs, readJobOutput } from '../../src/engine/fanout/planFiles';
import { inProcessRunners } from '../../src/engine/foldPool';
import type { FoldInput, FoldOutput } from '../../src/engine/trainFold';
import { ROOT, tempDir } from '../helpers';

const SAMPLE = join(ROOT, 'samples/sms_spam_noisy.csv');

test('a plan: the fold assignment and the inputs of crossValidate, a fingerprint of what decides the results', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sms.csv');
  copyFileSync(SAMPLE, file);
  const options = { folds: 3, epochs: 2, seed: 5 };
  const a = new DirStore(join(dir, 'a'));
  const plan = await makePlan({ dataset: { file }, options }, a);
  assert.equal(plan.jobs, 6);
  assert.deepEqual([plan.options.folds, plan.options.repeats, plan.options.epochs, plan.seed], [3, 2, 2, 5]);

  // What crossValidate hands each fold, captured with a runner that trains nothing.
  const { base, group } = await readInputs(a, plan);
  const seen: FoldInput[] = [];
  await assert.rejects(crossValidate(base, async (input) => { seen.push(input); throw new Error('captured'); }, 1, group), /captured/);
  const { splits, labels } = await readFolds(a, plan);
  assert.deepEqual(labels, base.labels);
  const first = seen[0];
  assert.equal(first.repeat, 0);
  assert.deepEqual(first.foldOf, splits[0], 'the plan uses the fold assignment of analyze');

  // Same request, same plan; workers do not change results, a seed does.
  const again = await makePlan({ dataset: { file }, options: { ...options, workers: 7 } }, new DirStore(join(dir, 'b')));
  assert.equal(again.fingerprint, plan.fingerprint);
  assert.ok(readFileSync(join(dir, 'a', 'inputs.bin')).equals(readFileSync(join(dir, 'b', 'inputs.bin'))));
  const seeded = await makePlan({ dataset: { file }, options: { ...options, seed: 6 } }, new DirStore(join(dir, 'c')));
  assert.notEqual(seeded.fingerprint, plan.fingerprint);
  copyFileSync(SAMPLE, file);
  const bytes = readFileSync(file, 'utf8');
  writeFileSync(file, bytes.replace(/,ham(\r?\n)/, ',spam$1'));
  const edited = await makePlan({ dataset: { file }, options }, new DirStore(join(dir, 'd')));
  assert.notEqual(edited.fingerprint, plan.fingerprint, 'one label changed in the file');
});

test('a fold job computes exactly the fold analyze computes', async (t) => {
  const dir = tempDir(t);
  const store = new DirStore(dir);
  const plan = await makePlan({ dataset: { file: SAMPLE }, options: { folds: 3, epochs: 2, repeats: 2 } }, store);
  const job = plan.jobSpecs[4]; // repeat 1, fold 1
  await runFoldJob(store, job.index, inProcessRunners);
  const state = await readJobOutput(store, plan, job);
  assert.equal(state.state, 'done');
  const mine = (state as { output: FoldOutput }).output;

  const { base, group } = await readInputs(store, plan);
  const { run, close } = inProcessRunners('text', () => {});
  let theirs: FoldOutput | undefined;
  await crossValidate(base, async (input) => {
    const out = await run(input);
    if (input.repeat === job.repeat && input.fold === job.fold) theirs = out;
    return out;
  }, 1, group);
  close();
  assert.ok(theirs);
  for (const k of ['held', 'ema', 'student', 'teacher', 'pi', 'piDisagree', 'piSpread', 'history', 'flips', 'unlabeled', 'unlabeledProbs'] as const) {
    const x = theirs[k];
    const y = mine[k];
    if (x === undefined) { assert.equal(y, undefined, k); continue; }
    assert.ok(y && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)), `${k} differs`);
  }
  assert.deepEqual(mine.epochLoss, theirs.epochLoss);
});
