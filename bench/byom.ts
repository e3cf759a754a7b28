/**
 * Bring your own model: AP of the ranking with our model, with probabilities a user brings (the
 * peer's scikit-learn TF-IDF + logistic regression, out-of-fold), with the two averaged
 * (--ensemble), and with embeddings a user brings (scikit-learn LSA: TF-IDF + TruncatedSVD 256,
 * fitted without the labels), learned by the logistic regression, the MLP and the two averaged
 * (--embedding-model), k-NN label agreement joining each.
 * `npm run bench -- byom` runs only this part.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../src/client/engineClient';
import type { TrainOptions } from '../src/protocol/engine';
import { readArrays, type Summary } from '../src/core/results';
import { Table } from '../src/core/table/table';
import { averagePrecision } from '../src/core/signals/metrics';
import { noisyCopy, OUT, SHARED } from './noisy';

const ENGINE = join(__dirname, '../dist/engine.js');
const PYTHON = '/usr/bin/python3';

async function ap(file: string, name: string, truth: Uint8Array, options: Partial<TrainOptions> = {}): Promise<{ ap: number; seconds: number; summary: Summary }> {
  const c = new EngineClient({ enginePath: ENGINE });
  const t0 = performance.now();
  try {
    const res = await c.run({ type: 'analyze', dataset: { file }, options, outDir: join(OUT, name) }).done;
    const seconds = (performance.now() - t0) / 1000;
    const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8')) as Summary;
    return { ap: averagePrecision(readArrays(res.arraysPath, summary.arrays).suspicion, truth), seconds, summary };
  } finally {
    c.dispose();
  }
}

/** The peer's out-of-fold probabilities (p_<class> columns) as a --pred-probs CSV (id + class columns). */
function peerProbabilities(file: string, run: string, analyzer: string): string {
  const scores = join(OUT, `${run}-peer-scores.csv`);
  const out = join(OUT, `${run}-peer-probs.csv`);
  if (!existsSync(out)) {
    const r = spawnSync(PYTHON, [join(SHARED, 'peer', 'peer.py'), file, '--text-col', 'text', '--label-col', 'label', '--id-col', 'id', '--analyzer', analyzer, '--out', scores], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`peer.py failed: ${r.stderr}`);
    const t = new Table('scores.csv', readFileSync(scores));
    const cols = t.header.map((h, c) => [h, c] as const).filter(([h]) => h.startsWith('p_'));
    const lines = [['id', ...cols.map(([h]) => h.slice(2))].join(',')];
    for (let i = 0; i < t.rowCount; i++) { const row = t.row(i); lines.push([row[0], ...cols.map(([, c]) => row[c])].join(',')); }
    writeFileSync(out, lines.join('\n') + '\n');
  }
  return out;
}

function lsaEmbeddings(file: string, run: string, analyzer: string): string {
  const out = join(OUT, `${run}-lsa256.npy`);
  if (!existsSync(out)) {
    const r = spawnSync(PYTHON, [join(__dirname, 'lsa.py'), file, out, '--analyzer', analyzer], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lsa.py failed: ${r.stderr}`);
  }
  return out;
}

const f3 = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  console.log('\n## Bring your own model: AP of the ranking (seconds of the Label Lens run)\n');
  console.log('given = the peer\'s out-of-fold probabilities (scikit-learn TF-IDF + logistic regression), read with --pred-probs; ensemble = --pred-probs --ensemble; LSA = --embeddings of TF-IDF + TruncatedSVD 256 (unsupervised: the labels are not used), learned by each --embedding-model, k-NN label agreement in the consensus in every LSA column.\n');
  console.log('| run | ours | given | ensemble | LSA logreg | LSA MLP | LSA logreg+MLP |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [dataset, run, analyzer] of [['ag_news_test', 'ag_news-uniform20', 'word'], ['sms_spam', 'sms_spam-uniform10', 'word']]) {
    if (!existsSync(join(SHARED, 'data', dataset, 'data.csv'))) continue;
    const nc = noisyCopy(dataset, run);
    const ours = await ap(nc.path, `${run}-byom-ours`, nc.truth);
    const probs = peerProbabilities(nc.path, run, analyzer);
    const given = await ap(nc.path, `${run}-byom-given`, nc.truth, { predProbs: probs });
    const ens = await ap(nc.path, `${run}-byom-ensemble`, nc.truth, { predProbs: probs, ensemble: true });
    const emb = lsaEmbeddings(nc.path, run, analyzer);
    const lsa: string[] = [];
    for (const embeddingModel of ['logreg', 'mlp', 'logreg+mlp'] as const) lsa.push(cell(await ap(nc.path, `${run}-byom-lsa-${embeddingModel}`, nc.truth, { embeddings: emb, embeddingModel })));
    console.log(`| ${run} | ${cell(ours)} | ${cell(given)} | ${cell(ens)} | ${lsa.join(' | ')} |`);
  }
}

const cell = (r: { ap: number; seconds: number }) => `${f3(r.ap)} (${r.seconds.toFixed(1)} s)`;

void main().catch((err) => { console.error(err); process.exit(1); });
