/**
 * The deploy files against the server they deploy: the Kubernetes manifests under deploy/k8s/
 * (parsed with the system Python's PyYAML; skipped with a message where it is missing) and the
 * Dockerfile. The serve Deployment's own container args are given to a real `verde serve`
 * (createServer, on 127.0.0.1 and free ports), and its liveness and readiness probe paths are
 * requested on the port the probes name: both must answer 200. Ports match verde serve's defaults,
 * the Dockerfile's and the pods' users are not root, the worker Job and the servers reach the
 * Redis Service the manifests define, and the HPA scales the Deployment on CPU.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SERVE_OPTIONS } from '../../src/serve/options.js';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { fixture, request, type Fixture } from '../serve/helpers.js';
import { fixturePath } from '../fixtures/paths.js';

const PYTHON = '/usr/bin/python3';
const hasYaml = spawnSync(PYTHON, ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;
const ROOT = fixturePath('..', '..');
const K8S = join(ROOT, 'deploy', 'k8s');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every document of every manifest file, with the file it came from. */
function manifests(): Array<{ file: string; doc: Doc }> {
  const script = 'import sys, json, yaml\nprint(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))';
  return readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) => (JSON.parse(execFileSync(PYTHON, ['-c', script, join(K8S, file)], { encoding: 'utf8' })) as Doc[]).map((doc) => ({ file, doc })));
}

/** The value after `flag` in an args list. */
function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));

  it('is multi-stage on Node 20 slim, installs without the GPU download and prunes dev dependencies', () => {
    const froms = lines.filter((l) => /^FROM /i.test(l));
    assert.ok(froms.length >= 2, 'multi-stage');
    for (const f of froms) assert.match(f, /^FROM node:20-slim\b/);
    assert.match(text, /ONNXRUNTIME_NODE_INSTALL=skip/);
    assert.match(text, /npm ci\b/);
    assert.match(text, /npm prune --omit=dev/);
  });

  it('runs verde serve as a user that is not root, exposing the default port', () => {
    const users = lines.filter((l) => /^USER /i.test(l)).map((l) => l.slice(5).trim());
    assert.ok(users.length > 0, 'a USER line');
    assert.ok(!['root', '0', '0:0'].includes(users.at(-1)!), `final user ${users.at(-1)}`);
    const entry = lines.find((l) => /^ENTRYPOINT /.test(l))!;
    assert.deepEqual(JSON.parse(entry.slice(11)), ['node', '/app/dist/src/cli/main.js', 'serve']);
    const expose = lines.find((l) => /^EXPOSE /.test(l))!.slice(7).split(/\s+/).map(Number);
    assert.ok(expose.includes(DEFAULT_SERVE_OPTIONS.port));
    const cmd = JSON.parse(lines.find((l) => /^CMD /.test(l))!.slice(4)) as string[];
    assert.equal(Number(argValue(cmd, '--port')), DEFAULT_SERVE_OPTIONS.port);
    assert.ok(expose.includes(Number(argValue(cmd, '--health-port'))), 'the health port is exposed');
    assert.equal(argValue(cmd, '--host'), '0.0.0.0', 'reachable from outside the container');
  });

  it('.dockerignore keeps node_modules and dist out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(p), p);
  });
});

describe('Kubernetes manifests', { skip: hasYaml ? false : `${PYTHON} has no yaml module (apt-get install python3-yaml): manifests not checked` }, () => {
  let docs: Array<{ file: string; doc: Doc }>;
  let f: Fixture;
  let s: RunningServer | undefined;
  before(async () => {
    docs = hasYaml ? manifests() : [];
    f = await fixture();
  });
  after(async () => {
    await s?.close();
    await f?.cleanup();
  });
  const find = (kind: string, name: string): Doc => {
    const d = docs.find((x) => x.doc.kind === kind && x.doc.metadata?.name === name);
    assert.ok(d, `${kind} ${name} in deploy/k8s/`);
    return d.doc;
  };

  it('every document has apiVersion, kind and a name', () => {
    assert.ok(docs.length >= 7);
    for (const { file, doc } of docs) {
      assert.ok(typeof doc.apiVersion === 'string' && typeof doc.kind === 'string' && typeof doc.metadata?.name === 'string', `${file}: ${JSON.stringify(doc).slice(0, 80)}`);
    }
  });

  it("the serve Deployment's probes are answered 200 by a real verde serve started with its args", async () => {
    const dep = find('Deployment', 'verde-serve');
    const pod = dep.spec.template.spec;
    assert.deepEqual(dep.spec.selector.matchLabels, dep.spec.template.metadata.labels);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.notEqual(pod.securityContext.runAsUser, 0);
    const c = pod.containers[0];
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, 'resources');
    const args = c.args as string[];
    const ports = new Map<string, number>(c.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    assert.equal(Number(argValue(args, '--port')), DEFAULT_SERVE_OPTIONS.port);
    assert.equal(ports.get('http'), DEFAULT_SERVE_OPTIONS.port, 'the http containerPort is the serve port');
    const healthPort = Number(argValue(args, '--health-port'));
    assert.equal(ports.get('health'), healthPort, 'the health containerPort is --health-port');
    assert.equal(argValue(args, '--host'), '0.0.0.0');
    // A read-only root filesystem: the run store must sit on a writable volume.
    if (c.securityContext?.readOnlyRootFilesystem) {
      const store = c.env.find((e: { name: string }) => e.name === 'VERDE_STORE')?.value as string | undefined;
      assert.ok(store, 'VERDE_STORE set');
      const writable = c.volumeMounts.filter((m: { readOnly?: boolean }) => !m.readOnly).map((m: { mountPath: string }) => m.mountPath as string);
      assert.ok(writable.some((p: string) => store.startsWith(p + '/')), `${store} on a writable mount (${writable.join(', ')})`);
    }
    // The same server the container runs, on free local ports, with the manifest's model swapped for the fixture's.
    s = await createServer({ models: [f.tabular], host: '127.0.0.1', port: 0, healthPort: 0 });
    const urlFor = (port: string | number) => {
      const n = typeof port === 'number' ? port : ports.get(port);
      return n === healthPort ? s!.healthUrl! : s!.url;
    };
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      const path = probe.httpGet.path as string;
      assert.deepEqual([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path], ['/healthz', '/readyz']);
      const r = await request(`${urlFor(probe.httpGet.port)}${path}`);
      assert.equal(r.status, 200, `${path} on port ${probe.httpGet.port}: ${r.text}`);
    }
    // The Prometheus scrape annotation names a route the API port answers.
    const ann = dep.spec.template.metadata.annotations;
    assert.equal(Number(ann['prometheus.io/port']), DEFAULT_SERVE_OPTIONS.port);
    assert.equal((await request(`${s.url}${ann['prometheus.io/path']}`)).status, 200);
  });

  it('the Service targets the http port, the HPA scales the Deployment on CPU', () => {
    const svc = find('Service', 'verde-serve');
    assert.deepEqual(svc.spec.selector, find('Deployment', 'verde-serve').spec.template.metadata.labels);
    assert.equal(svc.spec.ports[0].targetPort, 'http');
    const hpa = find('HorizontalPodAutoscaler', 'verde-serve');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'verde-serve' });
    assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
    assert.ok(hpa.spec.metrics[0].resource.target.averageUtilization > 0);
  });

  it('the worker Job runs verde worker replicas on the Redis the manifests define', () => {
    const job = find('Job', 'verde-worker');
    assert.ok(job.spec.parallelism >= 2, 'several workers');
    const pod = job.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const c = pod.containers[0];
    assert.deepEqual(c.command, ['node', '/app/dist/src/cli/main.js', 'worker']);
    const queue = new URL(argValue(c.args, '--queue')!);
    assert.equal(queue.protocol, 'redis:');
    const redisSvc = find('Service', queue.hostname);
    assert.equal(redisSvc.spec.ports[0].port, Number(queue.port));
    const redis = find('Deployment', queue.hostname);
    assert.deepEqual(redisSvc.spec.selector, redis.spec.template.metadata.labels);
    assert.equal(redis.spec.template.spec.containers[0].ports[0].containerPort, Number(queue.port));
    // Every claim a pod mounts is defined.
    const claims = new Set(docs.filter((d) => d.doc.kind === 'PersistentVolumeClaim').map((d) => d.doc.metadata.name));
    for (const p of [pod, find('Deployment', 'verde-serve').spec.template.spec]) {
      for (const v of p.volumes) if (v.persistentVolumeClaim) assert.ok(claims.has(v.persistentVolumeClaim.claimName), v.persistentVolumeClaim.claimName);
    }
  });
});
