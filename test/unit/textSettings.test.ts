/** The text model's K-fold repeats follow the work of one repeat: two where training is cheap, one where it is not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/core/table/dataset';
import { prepare, textRepeats } from '../../src/engine/prepare';
import { resolveOptions } from '../../src/engine/phases';
import { TEXT_MODEL } from '../../src/engine/models/settings';
import { dataset } from '../helpers';

test('two repeats on short English texts with two classes, one on long Chinese texts with 119 classes; --repeats wins', () => {
  const sms = prepare(openDataset(dataset('sms_spam')), resolveOptions({}));
  assert.equal(sms.base.options.repeats, TEXT_MODEL.repeats);
  const ifly = prepare(openDataset(dataset('clue_iflytek_fewclue')), resolveOptions({}));
  const { text, classes, options } = ifly.base;
  assert.ok(text!.indptr[text!.rows] * options.epochs * (TEXT_MODEL.dim + classes) > TEXT_MODEL.repeatWorkMax);
  assert.equal(options.repeats, 1);
  assert.equal(prepare(openDataset(dataset('clue_iflytek_fewclue')), resolveOptions({ repeats: 3 })).base.options.repeats, 3);
  assert.equal(textRepeats(1000, 10, 2), TEXT_MODEL.repeats);
});
