/**
 * §5 "federated learning": each institution keeps its transactions; an MLP is trained by FedAvg
 * across N real client processes talking HTTP on 127.0.0.1 with int8-compressed updates, against
 * the plain counterpart: ship every institution's rows to one place and train the same MLP there
 * for the same number of passes. Quality on every institution's held-out rows; bytes on the wire;
 * energy of the whole process tree (the coordinator and its children).
 */
import { join } from 'node:path';
import { rankingQuality } from '../../../metrics/ranking.js';
import { makeTempDir } from '../../../util/cleanup.js';
import { SmallNet } from '../../../models/logistic/net.js';
import { smallNetToOnnx } from '../../../models/logistic/onnx.js';
import { runFederated, writeClientDataset, type FederatedClientSpec } from '../../../train/federated/index.js';
import { progressBar } from '../../../util/progress.js';
import type { CaseContext } from '../context.js';
import { metered } from '../energy.js';
import { recordModel } from '../evaluate-model.js';
import type { TechniqueResult } from '../results.js';
import { concatSplits } from '../splits.js';

const HIDDEN = [16];
const ROUNDS = 8;
const LOCAL_EPOCHS = 1;
const LR = 0.005;

export async function federatedTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const sites = (ctx.data.federatedSites ?? []).filter((s) => s.train.y.length > 0);
  if (sites.length < 2) throw new Error('federated: needs at least two sites (--clients 2 or more)');
  const { path: dir, release } = await makeTempDir('verde-fraud-fed-'); // removed on Ctrl-C too
  try {
    const clients: FederatedClientSpec[] = [];
    for (const s of sites) {
      const path = join(dir, `${s.id}.bin`);
      await writeClientDataset(path, { x: s.train.x, y: s.train.y });
      clients.push({ id: s.id, data: { kind: 'file' as const, path } });
    }
    const bar = progressBar('fraud: federated rounds', ROUNDS, ['clients', 'loss']);
    const fed = await metered(ctx.meter, () => runFederated({
      clients, rounds: ROUNDS, hidden: HIDDEN, localEpochs: LOCAL_EPOCHS, learningRate: LR, batchSize: 256, seed: ctx.opts.seed, compress: 'int8',
      onRound: (log) => bar.update(log.round, { clients: log.participants.length, loss: log.meanLoss.toFixed(4) }),
    }));
    bar.stop();
    for (const note of fed.result.notes) ctx.notice(`federated: ${note}`);

    const union = concatSplits(sites.map((s) => s.train));
    const central = await metered(ctx.meter, async () => {
      const net = SmallNet.create(union.x.cols, HIDDEN, ctx.opts.seed);
      net.fitNormaliser(union.x);
      await net.train(union.x, union.y, { epochs: ROUNDS * LOCAL_EPOCHS, learningRate: LR, batchSize: 256, seed: ctx.opts.seed, label: 'fraud: central MLP epochs' });
      return net;
    });
    const pooledTest = concatSplits(sites.map((s) => s.test).filter((t) => t.y.length > 0));
    const fq = rankingQuality(fed.result.model.predict(pooledTest.x), pooledTest.y);
    const cq = rankingQuality(central.result.predict(pooledTest.x), pooledTest.y);
    await recordModel(ctx, { name: 'mlp-federated', kind: 'mlp (FedAvg)', onnx: smallNetToOnnx(fed.result.model, 'mlp-federated'), train: fed, lineage: { technique: 'federated-fedavg-int8', params: { clients: sites.length, rounds: ROUNDS, hidden: HIDDEN } } });
    await recordModel(ctx, { name: 'mlp-centralised', kind: 'mlp', onnx: smallNetToOnnx(central.result, 'mlp-centralised'), train: central, lineage: { technique: 'centralised', params: { sites: sites.length, epochs: ROUNDS * LOCAL_EPOCHS, hidden: HIDDEN } } });
    // Centralising means moving the other sites' rows: float32 features + a label byte per row.
    const shippedRows = sites.slice(1).reduce((n, s) => n + s.train.y.length, 0);
    const bytesCentral = shippedRows * (union.x.cols * 4 + 1);
    const fedBytes = fed.result.bytesUp + fed.result.bytesDown;
    return {
      name: 'federated-vs-centralised',
      claim: 'federated learning: train across institutions without moving their data',
      baselineName: 'centralised training on pooled rows',
      techniqueName: `FedAvg, ${sites.length} client processes, int8 updates`,
      baseline: { sites: sites.length, rounds: 1, bytesSent: bytesCentral, trainEnergyJ: central.energyJ, trainTimeS: central.durationS, prAuc: cq.prAuc, rocAuc: cq.rocAuc, recallAt1PctFpr: cq.recallAt1PctFpr },
      technique: {
        sites: fed.result.clientsRegistered.length,
        rounds: fed.result.rounds.length,
        bytesSent: fedBytes,
        bytesUpInt8: fed.result.bytesUp,
        bytesUpIfFloat32: fed.result.bytesUpFloat32,
        trainEnergyJ: fed.energyJ,
        trainTimeS: fed.durationS,
        prAuc: fq.prAuc,
        rocAuc: fq.rocAuc,
        recallAt1PctFpr: fq.recallAt1PctFpr,
      },
      summary: `FedAvg reached PR-AUC ${fq.prAuc.toFixed(3)} vs ${cq.prAuc.toFixed(3)} centralised, sending ${fedBytes} bytes of weights instead of ${bytesCentral} bytes of rows; int8 updates cost ${(100 * fed.result.bytesUp / fed.result.bytesUpFloat32).toFixed(0)} % of float32`,
      energyMethod: fed.method,
      notes: [
        `quality on all ${sites.length} sites' held-out rows (${pooledTest.y.length}); FedAvg energy covers the coordinator and its client processes (process scope, children reaped)`,
        'centralised bytes = the other sites\' training rows as float32 features + a label byte; federated bytes = HTTP bodies both ways',
        ...fed.result.notes,
      ],
    };
  } finally {
    await release();
  }
}
