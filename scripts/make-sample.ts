/**
 * Builds samples/sms_spam_noisy.csv from ../shared/data/sms_spam: the first 2,000 messages with
 * 8% of labels flipped (seeded), and samples/sms_spam_noisy.truth.csv naming the flipped rows.
 * Run: node --import tsx scripts/make-sample.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset } from '../src/core/table/dataset';
import { patchLabels } from '../src/core/labels/patch';
import { Random } from '../src/core/random';
import { Table } from '../src/core/table/table';

const ROWS = 2000;
const RATE = 0.08;
const src = openDataset(join(__dirname, '../../shared/data/sms_spam/data.csv'));
const end = src.table.index.start[ROWS];
const head = new Table('sms_spam_noisy.csv', src.table.bytes.subarray(0, end));
const rng = new Random(20261123);
const order = Array.from({ length: ROWS }, (_, i) => i);
rng.shuffle(order);
const flipped = order.slice(0, Math.round(RATE * ROWS)).sort((a, b) => a - b);
const labelCol = src.roles.label!;
const changes = new Map(flipped.map((r) => [r, head.cell(r, labelCol) === 'ham' ? 'spam' : 'ham']));
writeFileSync(join(__dirname, '../samples/sms_spam_noisy.csv'), patchLabels(head, labelCol, changes));
writeFileSync(join(__dirname, '../samples/sms_spam_noisy.truth.csv'),
  'id,noisy_label,true_label\r\n' + flipped.map((r) => `${head.cell(r, 0)},${changes.get(r)},${head.cell(r, labelCol)}`).join('\r\n') + '\r\n');
console.log(`wrote ${ROWS} rows, ${flipped.length} flipped`);
