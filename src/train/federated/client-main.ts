/**
 * Entry point of one federated client process (forked by the coordinator from dist/). It loads
 * its own institution's rows, registers with the coordinator (row count and per-column sums only,
 * never rows), then each round: fetch the global weights, train locally, and send back the weight
 * change compressed to int8. Exits when the coordinator says the federation is done.
 */
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { SmallNet } from '../../models/logistic/net.js';
import { columnStats } from '../../tabular/normaliser.js';
import { readClientDataset, type LabelledRows } from './dataset-file.js';
import { decodeMessage, encodeMessage } from './wire.js';
import type { ClientConfig, RegisterBody, RoundHeader, UpdateHeader } from './protocol.js';

async function loadRows(cfg: ClientConfig): Promise<LabelledRows> {
  if (cfg.data.kind === 'file') return readClientDataset(cfg.data.path);
  const spec = isAbsolute(cfg.data.module) ? pathToFileURL(cfg.data.module).href : cfg.data.module;
  const mod = (await import(spec)) as Record<string, (args: unknown) => Promise<LabelledRows>>;
  const build = mod[cfg.data.exportName];
  if (typeof build !== 'function') throw new Error(`${cfg.data.module} has no export ${cfg.data.exportName}`);
  return build(cfg.data.args);
}

async function post(url: string, body: Buffer | string, type: string): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': type } });
}

async function run(cfg: ClientConfig): Promise<void> {
  const { x, y } = await loadRows(cfg);
  let positives = 0;
  for (const v of y) positives += v;
  const reg: RegisterBody = { clientId: cfg.clientId, rows: x.rows, cols: x.cols, positives, stats: columnStats(x) };
  const r = await post(`${cfg.url}/register`, JSON.stringify(reg), 'application/json');
  if (!r.ok) throw new Error(`register: HTTP ${r.status} ${await r.text()}`);

  const net = SmallNet.create(x.cols, cfg.hidden, cfg.seed);
  const targets = Float32Array.from(y);
  for (;;) {
    const res = await fetch(`${cfg.url}/round?client=${encodeURIComponent(cfg.clientId)}`);
    if (!res.ok) throw new Error(`round: HTTP ${res.status}`);
    const msg = decodeMessage<RoundHeader>(Buffer.from(await res.arrayBuffer()));
    if (msg.header.done) return;
    if (msg.header.retry) continue;
    if (msg.header.normaliser) {
      net.normaliser = { mean: Float32Array.from(msg.header.normaliser.mean), std: Float32Array.from(msg.header.normaliser.std) };
    }
    net.setTensors(msg.tensors);
    const loss = await net.train(x, targets, {
      epochs: cfg.localEpochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate,
      positiveWeight: cfg.positiveWeight,
      seed: cfg.seed * 1000 + msg.header.round,
    });
    const delta = net.tensors().map((t, i) => {
      const d = new Float32Array(t.data.length);
      for (let k = 0; k < d.length; k++) d[k] = t.data[k] - msg.tensors[i].data[k];
      return { name: t.name, dims: t.dims, data: d };
    });
    const header: UpdateHeader = { clientId: cfg.clientId, round: msg.header.round, rows: x.rows, loss };
    const up = await post(`${cfg.url}/update`, encodeMessage(header, delta, cfg.compress), 'application/octet-stream');
    if (!up.ok && up.status !== 409) throw new Error(`update: HTTP ${up.status} ${await up.text()}`);
  }
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ClientConfig;
run(cfg).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`federated client ${cfg.clientId}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
