import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFederated, writeClientDataset } from '../../src/train/federated/index.js';
import { SmallNet } from '../../src/models/logistic/net.js';
import { rocAuc } from '../../src/metrics/ranking.js';
import { blobs } from './toy-data.js';

async function institutions(dir: string, n: number) {
  const clients = [];
  for (let i = 0; i < n; i++) {
    const path = join(dir, `site-${i}.bin`);
    await writeClientDataset(path, blobs(1500, 6, 0.1, 100 + i));
    clients.push({ id: `site-${i}`, data: { kind: 'file' as const, path } });
  }
  return clients;
}

test('FedAvg across real client processes converges to a useful model', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-fed-'));
  try {
    const clients = await institutions(dir, 3);
    const test = blobs(2000, 6, 0.1, 999);
    const untrained = SmallNet.create(6, [], 0);
    untrained.fitNormaliser(test.x);
    const res = await runFederated({ clients, rounds: 4, localEpochs: 1, learningRate: 0.05, positiveWeight: 3, seed: 0 });
    assert.equal(res.rounds.length, 4);
    assert.deepEqual(res.clientsRegistered.sort(), ['site-0', 'site-1', 'site-2']);
    for (const r of res.rounds) assert.deepEqual(r.participants, ['site-0', 'site-1', 'site-2']);
    assert.deepEqual(res.notes, []);
    const auc = rocAuc(res.model.predict(test.x), test.y);
    assert.ok(auc > 0.9, `federated ROC-AUC ${auc}`);
    // The loss the clients report falls from round 1 to the last round.
    assert.ok(res.rounds[3].meanLoss < res.rounds[0].meanLoss, `loss ${res.rounds.map((r) => r.meanLoss)}`);
    // Updates went as int8: under 40 % of their float32 cost (headers included).
    assert.ok(res.bytesUp < 0.4 * res.bytesUpFloat32 + 2000 * 3, `${res.bytesUp} vs float32 ${res.bytesUpFloat32}`);
    assert.ok(res.bytesDown > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a client killed mid-round: the round completes with the rest and says so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-fed-'));
  try {
    const clients = await institutions(dir, 3);
    let killedPid: number | undefined;
    const res = await runFederated({
      clients,
      rounds: 3,
      localEpochs: 1,
      seed: 1,
      roundTimeoutMs: 30_000,
      onRoundOpen: (round, children) => {
        if (round === 2) {
          const child = children.get('site-1')!;
          killedPid = child.pid;
          child.kill('SIGKILL'); // a real process, really killed
        }
      },
    });
    assert.ok(killedPid);
    assert.equal(res.rounds.length, 3);
    assert.deepEqual(res.rounds[0].participants, ['site-0', 'site-1', 'site-2']);
    assert.deepEqual(res.rounds[1].participants, ['site-0', 'site-2']);
    assert.equal(res.rounds[1].dropped[0].clientId, 'site-1');
    assert.match(res.rounds[1].dropped[0].reason, /SIGKILL/);
    assert.deepEqual(res.rounds[2].participants, ['site-0', 'site-2']);
    assert.ok(res.notes.some((n) => /round 2 completed with 2 of 3 clients/.test(n)), res.notes.join(' | '));
    const test = blobs(1000, 6, 0.1, 998);
    assert.ok(rocAuc(res.model.predict(test.x), test.y) > 0.85);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a client waiting for a slow round is told to retry, then carries on', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-fed-'));
  try {
    const clients = await institutions(dir, 2);
    // Round 2 opens 300 ms late while both clients wait for it; their polls are answered every 50 ms.
    const res = await runFederated({
      clients, rounds: 2, seed: 2, longPollMs: 50,
      onRoundOpen: async (round) => { if (round === 2) await new Promise((resolve) => setTimeout(resolve, 300)); },
    });
    assert.equal(res.rounds.length, 2);
    assert.deepEqual(res.rounds[1].participants, ['site-0', 'site-1']);
    assert.ok(res.pollRetries > 0, 'some polls were answered "retry"');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
