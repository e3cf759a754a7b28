/**
 * Bring your own model: AP of the ranking with our model, with probabilities a user brings (the
 * peer's scikit-learn TF-IDF + logistic regression, out-of-fold), with the two averaged
 * (--ensemble), and with embeddings a user brings (scikit-learn LSA: TF-IDF + TruncatedSVD 256,
 * fitted without the labels), learned by the logistic regression, the MLP and the two averaged
 * (--embedding-model), k-NN label agreement joining each.
 * Then the cosine threshold of near-duplicates by embedding, on the same LSA embeddings.
 * `npm run bench -- byom` runs only this part; `npm run bench -- byom duplicates` only the threshold.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../src/client/engineClient';
import type { TrainOptions } from '../src/protocol/engine';
import { readArrays, type Summary } from '../src/core/results';
import { Table } from '../src/core/table/table';
import { averagePrecision } from '../src/core/signals/metrics';
import { openDataset } from '../src/core/table/dataset';
import { readNpy } from '../src/core/predictions/npy';
import { DEFAULT_DUPLICATES, textDuplicates, textNgrams } from '../src/engine/duplicates';
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
  console.log('| run | ours | given | ensemble | LSA logreg (default) | LSA MLP | LSA logreg+MLP |');
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
  embeddingDuplicates();
}

/**
 * The cosine threshold for near-duplicates by embedding (beside the text's exact and MinHash
 * copies): on ag_news with the LSA embeddings above, the pairs each threshold adds to the text's
 * groups, and how alike their texts are (n-gram Jaccard; boilerplate-sharing unrelated news shows up
 * as a low Jaccard).
 */
function embeddingDuplicates(): void {
  const file = join(OUT, 'ag_news-uniform20.csv');
  const npy = join(OUT, 'ag_news-uniform20-lsa256.npy');
  if (!existsSync(file) || !existsSync(npy)) return;
  console.log('\n## Near-duplicates by embedding cosine (ag_news, LSA 256): rows each threshold adds to the text\'s groups\n');
  console.log('| cosine | pairs added | rows added | median n-gram Jaccard of an added row and its group\'s first | added with Jaccard < 0.2 |');
  console.log('|---|---|---|---|---|');
  const ds = openDataset(file);
  const arr = readNpy(readFileSync(npy), npy);
  const emb = { x: Float32Array.from(arr.data), dim: arr.shape[1] };
  const text = (i: number) => ds.table.cell(i, ds.roles.text!);
  const grams = (i: number) => { const g = new Set<number>(); textNgrams(text(i), (h) => g.add(h)); return g; };
  const jaccard = (a: number, b: number) => { const A = grams(a), B = grams(b); let c = 0; for (const h of A) if (B.has(h)) c++; return c / (A.size + B.size - c); };
  const byText = textDuplicates(ds.rowCount, text, DEFAULT_DUPLICATES).groups.group;
  for (const cosine of [0.99, 0.97, 0.95, 0.9]) {
    const r = textDuplicates(ds.rowCount, text, { ...DEFAULT_DUPLICATES, cosine }, emb);
    const first = new Map<number, number>();
    const js: number[] = [];
    for (let i = 0; i < ds.rowCount; i++) {
      const g = r.groups.group[i];
      if (g < 0) continue;
      const f = first.get(g);
      if (f === undefined) { first.set(g, i); continue; }
      if (byText[i] >= 0 && byText[i] === byText[f]) continue;
      js.push(jaccard(f, i));
    }
    js.sort((a, b) => a - b);
    console.log(`| ${cosine} | ${r.embeddingPairs} | ${js.length} | ${js.length ? f3(js[js.length >> 1]) : '–'} | ${js.filter((j) => j < 0.2).length} |`);
  }
}

const cell = (r: { ap: number; seconds: number }) => `${f3(r.ap)} (${r.seconds.toFixed(1)} s)`;

if (process.argv[2] === 'duplicates') embeddingDuplicates();
else void main().catch((err) => { console.error(err); process.exit(1); });
