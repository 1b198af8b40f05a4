import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SmallNet, smallNetToOnnx } from '../../src/models/logistic/index.js';
import { distilToSmallNet, softTargets } from '../../src/compress/distil/index.js';
import { onnxScorer } from '../../src/cases/fraud/onnx-scorer.js';
import { rocAuc } from '../../src/metrics/ranking.js';
import { blobs } from './toy-data.js';

test('SmallNet learns a separable set and its ONNX export scores the same through onnxruntime', async () => {
  const { x, y } = blobs(3000, 5, 0.2, 4, 3);
  x.data[7] = NaN; // a missing value takes the mean in both
  const net = SmallNet.create(5, [8, 4], 1);
  net.fitNormaliser(x);
  await net.train(x, y, { epochs: 8, learningRate: 0.01 });
  const ts = net.predict(x);
  assert.ok(rocAuc(ts, y) > 0.99, `ROC-AUC ${rocAuc(ts, y)}`);
  const scorer = await onnxScorer(smallNetToOnnx(net), 5);
  const viaOrt = await scorer.score(x.data, 256);
  await scorer.release();
  let worst = 0;
  for (let i = 0; i < ts.length; i++) worst = Math.max(worst, Math.abs(ts[i] - viaOrt[i]));
  assert.ok(worst < 1e-5, `max |TS - ONNX| = ${worst}`);
  assert.ok(Number.isFinite(viaOrt[1]));
});

test('a distilled student tracks its teacher, with the blend of soft and hard targets as asked', async () => {
  const { x, y } = blobs(4000, 6, 0.1, 5, 1.5);
  const teacher = SmallNet.create(6, [32, 16], 2);
  teacher.fitNormaliser(x);
  await teacher.train(x, y, { epochs: 6 });
  const tp = teacher.predict(x);
  const t = softTargets({ teacherProba: [0.9, 0.2], labels: [0, 1], alpha: 0.75 });
  assert.ok(Math.abs(t[0] - 0.675) < 1e-6 && Math.abs(t[1] - 0.4) < 1e-6);
  const student = await distilToSmallNet({ x, teacherProba: tp, hidden: [], train: { epochs: 8, learningRate: 0.01 } });
  assert.ok(student.parameterCount < teacher.parameterCount / 10);
  const sp = student.predict(x);
  let agree = 0;
  for (let i = 0; i < sp.length; i++) agree += (sp[i] > 0.5) === (tp[i] > 0.5) ? 1 : 0;
  assert.ok(agree / sp.length > 0.95, `agreement ${agree / sp.length}`);
  assert.ok(rocAuc(sp, y) > rocAuc(tp, y) - 0.02);
});
