/**
 * deploy/k8s and the Dockerfile, checked without a cluster: every manifest validates against the
 * Kubernetes API schema (kubernetes-models: the OpenAPI schema compiled to validators), and the
 * manifests agree with each other and with the CLI (same image, same plan volume at the path the
 * commands are given, the job index from Kubernetes and not from a flag).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { ROOT } from '../helpers';

// js-yaml (a devDependency) reads the manifests: plain YAML 1.2.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { loadAll: (text: string) => unknown[] };

const DIR = join(ROOT, 'deploy/k8s');
const load = (name: string) => yaml.loadAll(readFileSync(join(DIR, name), 'utf8')) as { kind: string; apiVersion: string; metadata: { name: string } }[];

function validated(doc: { kind: string; apiVersion: string }, where: string): void {
  const model = doc.kind === 'Job' && doc.apiVersion === 'batch/v1' ? new Job(doc as IJob)
    : doc.kind === 'PersistentVolumeClaim' && doc.apiVersion === 'v1' ? new PersistentVolumeClaim(doc as never)
      : undefined;
  assert.ok(model, `${where}: unexpected ${doc.apiVersion} ${doc.kind}`);
  assert.doesNotThrow(() => model.validate(), `${where} does not validate against the Kubernetes schema`);
}

const jobOf = (name: string) => load(name)[0] as unknown as IJob & { metadata: { name: string } };
const containerOf = (job: IJob): IContainer => {
  const cs = job.spec!.template.spec!.containers;
  assert.equal(cs.length, 1);
  return cs[0];
};
/** The claim mounted at `path` in a job's pod. */
function claimAt(job: IJob, path: string): string | undefined {
  const pod = job.spec!.template.spec!;
  const mount = containerOf(job).volumeMounts?.find((m) => m.mountPath === path);
  return pod.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
}

test('every manifest in deploy/k8s validates against the Kubernetes API schema', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
  assert.deepEqual(files.sort(), ['analyze-job.yaml', 'merge-job.yaml', 'plan-job.yaml', 'plan-volume.yaml']);
  for (const f of files) for (const doc of load(f)) validated(doc, f);
});

test('the validator used here rejects what the API server rejects (a wrong type, an unknown enum value)', () => {
  const job = jobOf('analyze-job.yaml');
  assert.throws(() => new Job({ ...job, spec: { ...job.spec!, completions: '10' as unknown as number } }).validate(), /completions must be integer/);
  assert.throws(() => new Job({ ...job, spec: { ...job.spec!, completionMode: 'Indexd' as 'Indexed' } }).validate(), /completionMode/);
});

test('the fold job is an Indexed Job running `fold PLAN_DIR` with the index from Kubernetes, the plan volume mounted', () => {
  const job = jobOf('analyze-job.yaml');
  const s = job.spec!;
  assert.equal(s.completionMode, 'Indexed');
  assert.ok(Number.isInteger(s.completions) && s.completions! >= 1);
  assert.ok(Number.isInteger(s.parallelism) && s.parallelism! >= 1 && s.parallelism! <= s.completions!);
  assert.equal(s.template.spec!.restartPolicy, 'Never', 'podFailurePolicy and per-index retries need Never');
  const c = containerOf(job);
  assert.equal(c.args![0], 'fold');
  assert.ok(!c.args!.includes('--job'), 'the index comes from JOB_COMPLETION_INDEX');
  const plan = c.args![1];
  assert.equal(claimAt(job, plan), load('plan-volume.yaml')[0].metadata.name);
  assert.ok(s.podFailurePolicy?.rules.some((r) => r.action === 'FailIndex' && r.onExitCodes?.containerName === c.name && r.onExitCodes.values.includes(1)), 'a data error is not retried');
});

test('plan and merge jobs use the same image and plan volume; merge writes inside the plan volume', () => {
  const fold = jobOf('analyze-job.yaml');
  const plan = jobOf('plan-job.yaml');
  const merge = jobOf('merge-job.yaml');
  const claim = load('plan-volume.yaml')[0].metadata.name;
  const image = containerOf(fold).image;
  assert.ok(image);
  for (const job of [plan, merge]) assert.equal(containerOf(job).image, image);
  const p = containerOf(plan).args!;
  assert.equal(p[0], 'plan');
  const planDir = p[p.indexOf('--out') + 1];
  assert.equal(claimAt(plan, planDir), claim);
  const m = containerOf(merge).args!;
  assert.deepEqual(m.slice(0, 2), ['merge', planDir]);
  assert.equal(claimAt(merge, m[1]), claim);
  assert.ok(m[m.indexOf('--out') + 1].startsWith(`${planDir}/`));
  // The data file is on a volume both plan and merge mount at the same path (the plan records it).
  const dataFile = p[1];
  const dataMount = (job: IJob) => containerOf(job).volumeMounts!.find((v) => dataFile.startsWith(`${v.mountPath}/`));
  assert.ok(dataMount(plan) && dataMount(merge));
  assert.equal(dataMount(plan)!.mountPath, dataMount(merge)!.mountPath);
});

test('the Dockerfile builds the CLI on node:20-slim, runs it as a non-root user; the manifests rely on its entrypoint', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 1 && froms.every((f) => f === 'node:20-slim'), `bases: ${froms.join(', ')}`);
  assert.match(text, /^ENTRYPOINT \["node", "\/app\/bin\/label-lens\.js"\]$/m);
  assert.match(text, /^USER node$/m);
  for (const f of ['analyze-job.yaml', 'plan-job.yaml', 'merge-job.yaml']) {
    const c = containerOf(jobOf(f));
    assert.equal(c.command, undefined, `${f}: the image's entrypoint runs label-lens`);
    assert.equal(jobOf(f).spec!.template.spec!.securityContext!.runAsUser, 1000, `${f}: the node user of the image`);
  }
});
