/**
 * Cache poisoning (issue 12, item 1). A numeric feature beyond float32's range (-1e39) used to be
 * accepted as finite, reach the model as -Infinity, and share its cache key with a missing value
 * (JSON.stringify writes Infinity and NaN as null), so one client's request answered another's.
 * Now such values are refused with 400, and a cache key is made of exactly what the model receives:
 * a property test checks that two parsed instances share a key only when the model's inputs are
 * identical, and a real server checks that a poisoning attempt cannot change another request's answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import { tabularManifest, writeManifest, type ModelManifest } from '../../src/registry/manifest.js';
import { cacheKey } from '../../src/serve/cache.js';
import { modelInputIdentity, parseTabularInstance, parseTextInstance, type Instance } from '../../src/serve/instances.js';
import { RequestError } from '../../src/serve/request-error.js';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { TINY_TABULAR_FEATURES } from '../../src/bench-serve/tiny-models.js';
import { postJson } from './helpers.js';

const { onnx } = onnxProto;
const F = onnx.TensorProto.DataType.FLOAT;

function floatTensor(name: string, dims: number[], values: number[]) {
  const v = Float32Array.from(values);
  return onnx.TensorProto.create({ name, dims, dataType: F, rawData: new Uint8Array(v.buffer) });
}
function valueInfo(name: string, dims: Array<number | string>) {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
}

/**
 * A tabular model (amount, hour, channel -> legit, fraud) that clips its inputs to +-1e6, as models
 * fed raw amounts often do, so -Infinity gives a finite, confident answer instead of NaN: a missing
 * amount (NaN, counted as 0) says fraud (bias), a huge negative amount says legit.
 */
async function writeClippingModel(dir: string): Promise<ModelManifest> {
  const node = (opType: string, input: string[], output: string[], attrs: Record<string, number> = {}) =>
    onnx.NodeProto.create({ opType, input, output, attribute: Object.entries(attrs).map(([name, i]) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i })) });
  const model = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'clipping',
        node: [
          node('IsNaN', ['features'], ['missing']),
          node('Where', ['missing', 'zero', 'features'], ['filled']),
          node('Clip', ['filled', 'lo', 'hi'], ['clipped']),
          node('MatMul', ['clipped', 'W'], ['mm']),
          node('Add', ['mm', 'b'], ['logits']),
          node('Softmax', ['logits'], ['probabilities'], { axis: -1 }),
        ],
        initializer: [
          floatTensor('W', [3, 2], [-0.01, 0.01, 0, 0, 0, 0]),
          floatTensor('b', [2], [-1.5, 1.5]),
          floatTensor('zero', [], [0]),
          floatTensor('lo', [], [-1e6]),
          floatTensor('hi', [], [1e6]),
        ],
        input: [valueInfo('features', ['batch', 3])],
        output: [valueInfo('probabilities', ['batch', 2])],
      },
    }),
  ).finish();
  const manifest = tabularManifest({ name: 'clip', onnx: model, labels: ['legit', 'fraud'], features: TINY_TABULAR_FEATURES, lineage: { technique: 'test-fixture', params: {} } });
  await writeFile(join(dir, 'model.onnx'), model);
  await writeManifest(dir, manifest);
  return manifest;
}

const manifest = { tabular: { features: TINY_TABULAR_FEATURES } } as unknown as ModelManifest;

function sameBytes(a: Instance, b: Instance): boolean {
  if (a.kind === 'text' || b.kind === 'text') return a.kind === b.kind && (a as { text: string }).text === (b as { text: string }).text;
  return Buffer.from(a.features.buffer).equals(Buffer.from(b.features.buffer));
}

describe('tabular features out of float32 range', () => {
  for (const v of [-1e39, 1e39, 3.5e38, -Number.MAX_VALUE]) {
    it(`refuses ${v} with 400 naming the field`, () => {
      assert.throws(
        () => parseTabularInstance({ amount: v, hour: 1, channel: 'web' }, 2, manifest),
        (e: unknown) => e instanceof RequestError && e.status === 400 && e.field === 'instances[2].amount' && /float32/.test(e.message),
      );
    });
  }
  it('accepts the largest float32 and tiny values', () => {
    assert.equal(parseTabularInstance({ amount: 3.4e38, hour: 1e-50, channel: null }, 0, manifest).input.kind, 'tabular');
  });
});

describe('cache keys are made of exactly what the model receives', () => {
  const scope = 'v1|exit=off';
  const key = (i: Instance) => cacheKey(scope, modelInputIdentity(i));
  // Values around every edge: float32 limits and rounding, -0, missing, huge doubles, and categories
  // seen and unseen (an unseen one is a missing value to the model: same input, same key).
  const numeric = fc.oneof(
    fc.constant(null),
    fc.double({ noNaN: true }),
    fc.constantFrom(0, -0, 1e39, -1e39, 3.4028234663852886e38, 3.4028235677973366e38, 1e-46, -1e-46, 0.1, 0.1 + 2 ** -30),
    fc.float({ noNaN: true }),
  );
  const channel = fc.oneof(fc.constant(null), fc.constantFrom('web', 'pos', 'atm', 'fax', ''));
  const row = fc.record({ amount: numeric, hour: numeric, channel });
  const parse = (r: unknown): Instance | null => {
    try {
      return parseTabularInstance(r, 0, manifest).input;
    } catch (e) {
      if (e instanceof RequestError && e.status === 400) return null;
      throw e;
    }
  };

  it('no two different tabular inputs share a key, and identical ones do (fast-check)', () => {
    fc.assert(
      fc.property(row, row, (ra, rb) => {
        const a = parse(ra);
        const b = parse(rb);
        if (!a || !b) return;
        assert.equal(key(a) === key(b), sameBytes(a, b), `${JSON.stringify(ra)} vs ${JSON.stringify(rb)}`);
      }),
      { numRuns: 3000, seed: 12 },
    );
  });

  it('every accepted value reaches the model finite or as the missing value (fast-check)', () => {
    fc.assert(
      fc.property(row, (r) => {
        const a = parse(r);
        if (a?.kind === 'tabular') for (const v of a.features) assert.ok(Number.isFinite(v) || Number.isNaN(v), String(v));
      }),
      { numRuns: 3000, seed: 13 },
    );
  });

  it('texts share a key exactly when the model receives the same string, never with a vector (fast-check)', () => {
    const textManifest = { text: { doLowerCase: true } } as unknown as ModelManifest;
    const limits = { maxInstances: 1, longText: 'truncate' as const };
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('\ud800', '\ufffd', 'a\udc00', 'A b', 'a  b', 'null', '[null,null,null]'));
    const parseText = (t: string): Instance | null => {
      try {
        return parseTextInstance({ text: t }, 0, textManifest, limits, null).input;
      } catch (e) {
        if (e instanceof RequestError) return null;
        throw e;
      }
    };
    fc.assert(
      fc.property(text, text, (ta, tb) => {
        const a = parseText(ta);
        const b = parseText(tb);
        if (!a || !b) return;
        assert.equal(key(a) === key(b), sameBytes(a, b), `${JSON.stringify(ta)} vs ${JSON.stringify(tb)}`);
      }),
      { numRuns: 3000, seed: 14 },
    );
    const vector: Instance = { kind: 'tabular', features: new Float32Array([1, 2, 3]) };
    assert.notEqual(key({ kind: 'text', text: modelInputIdentity(vector) }), key(vector));
  });

  it('a scope and an input cannot be read as another pair', () => {
    assert.notEqual(cacheKey('a', 'bc'), cacheKey('ab', 'c'));
    assert.notEqual(cacheKey('a\u0000b', 'c'), cacheKey('a', 'b\u0000c'));
  });
});

describe('a poisoning attempt through a real server', () => {
  let dir: string;
  let cached: RunningServer;
  let uncached: RunningServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verde-poison-'));
    await writeClippingModel(dir);
    cached = await createServer({ models: [dir], port: 0, workers: 1 });
    uncached = await createServer({ models: [dir], port: 0, workers: 1, cache: 'off' });
  });
  after(async () => {
    await cached?.close();
    await uncached?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('cannot change the answer another client gets for a missing value', async () => {
    const victim = { instances: [{ amount: null, hour: null, channel: null }] };
    const truth = await postJson(`${uncached.url}/v1/models/clip:predict`, victim);
    assert.equal(truth.status, 200, truth.text);
    assert.equal(truth.body.predictions[0].label, 'fraud');
    const attacks = [];
    for (const amount of [-1e39, 1e39]) attacks.push(await postJson(`${cached.url}/v1/models/clip:predict`, { instances: [{ amount, hour: null, channel: null }] }));
    // The unseen category is a missing value to the model too: the same input, legitimately shared.
    const unseen = await postJson(`${cached.url}/v1/models/clip:predict`, { instances: [{ amount: -1e30, hour: null, channel: 'fax' }] });
    assert.equal(unseen.status, 200, unseen.text);
    assert.equal(unseen.body.predictions[0].label, 'legit');
    const answer = await postJson(`${cached.url}/v1/models/clip:predict`, victim);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.predictions[0].cached, false, 'nothing else was cached under the missing value');
    assert.deepEqual(answer.body.predictions[0].probabilities, truth.body.predictions[0].probabilities);
    assert.equal(answer.body.predictions[0].label, 'fraud');
    for (const attack of attacks) {
      assert.equal(attack.status, 400, attack.text);
      assert.equal(attack.body.error.field, 'instances[0].amount');
    }
  });
});
