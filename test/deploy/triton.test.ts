/**
 * `verde export triton` on the tiny real models: the repository layout, model.onnx byte-identical
 * to the source, labels.txt, and config.pbtxt parsed by protobuf's own text-format parser against
 * Triton's model_config.proto (test/fixtures/triton/model_config.proto, compiled with protoc for
 * the system Python's protobuf runtime). Skipped with a message where protoc or python3-protobuf
 * is missing (CI installs protobuf-compiler and python3-protobuf).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyTabularModel, writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { exportTriton, type TritonExportOptions } from '../../src/deploy/triton.js';
import { preferredBatchSizes } from '../../src/deploy/batch-cost.js';
import { runVerde } from '../fixtures/cli.js';
import { fixturePath } from '../fixtures/paths.js';

const PYTHON = '/usr/bin/python3';
const hasProtoc = spawnSync('sh', ['-c', 'command -v protoc'], { encoding: 'utf8' }).status === 0;
const hasPyProtobuf = spawnSync(PYTHON, ['-c', 'import google.protobuf.text_format'], { encoding: 'utf8' }).status === 0;
const skipProto = hasProtoc && hasPyProtobuf ? false : `${hasProtoc ? '' : 'protoc (apt-get install protobuf-compiler) '}${hasPyProtobuf ? '' : 'python3-protobuf '}missing: config.pbtxt not checked against Triton's schema`;

/** Parse config.pbtxt as inference.ModelConfig with protobuf's text format; the message as JSON (proto field names). */
function parseWithProtobuf(protoOut: string, configPath: string): Record<string, any> {  // eslint-disable-line @typescript-eslint/no-explicit-any
  const script = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(protoOut)})`,
    'import model_config_pb2',
    'from google.protobuf import text_format, json_format',
    'msg = text_format.Parse(open(sys.argv[1]).read(), model_config_pb2.ModelConfig())',
    'print(json.dumps(json_format.MessageToDict(msg, preserving_proto_field_name=True)))',
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script, configPath], { encoding: 'utf8' }));
}

describe('verde export triton', () => {
  let root: string;
  let protoOut: string;
  const base = (model: string, out: string): TritonExportOptions => ({ model, out, measure: true, maxBatchSize: 16, maxQueueDelayUs: 500, kind: 'cpu', instances: 2, secondsPerSize: 0.03 });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'verde-triton-'));
    await writeTinyTabularModel(join(root, 'fraud'), { name: 'fraud' });
    await writeTinyTextModel(join(root, 'text'), { name: 'text' });
    protoOut = join(root, 'proto');
    if (!skipProto) {
      execFileSync('mkdir', ['-p', protoOut]);
      const dir = fixturePath('triton');
      execFileSync('protoc', [`--proto_path=${dir}`, `--python_out=${protoOut}`, join(dir, 'model_config.proto')]);
    }
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a tabular model repository with a measured preferred batch size', async () => {
    const repo = join(root, 'repo');
    const r = await exportTriton(base(join(root, 'fraud'), repo));
    assert.deepEqual((await readdir(r.dir)).sort(), ['1', 'config.pbtxt', 'labels.txt', 'verde-batch-cost.json']);
    assert.deepEqual(await readFile(join(r.dir, '1', 'model.onnx')), await readFile(join(root, 'fraud', 'model.onnx')), 'model.onnx is a byte copy');
    assert.equal(await readFile(join(r.dir, 'labels.txt'), 'utf8'), 'legit\nfraud\n');
    // Measured at 1, 2, 4, 8, 16 rows; the preferred sizes are those past the knee of the per-row cost.
    assert.deepEqual(r.costs.map((c) => c.batchSize), [1, 2, 4, 8, 16]);
    for (const c of r.costs) assert.ok(c.secondsPerRow > 0 && c.joulesPerRow > 0, JSON.stringify(c));
    assert.match(r.costs[0]!.method, /^(measured|modelled):/);
    const preferred = r.config.dynamicBatching!.preferredBatchSize;
    assert.deepEqual(preferred, preferredBatchSizes(r.costs, 0.1));
    assert.ok(preferred.length >= 1 && preferred.at(-1) === 16);
    const saved = JSON.parse(await readFile(join(r.dir, 'verde-batch-cost.json'), 'utf8'));
    assert.deepEqual(saved.preferredBatchSize, preferred);
  });

  it('config.pbtxt parses against Triton\'s model_config.proto (tabular)', { skip: skipProto }, async () => {
    const r = await exportTriton({ ...base(join(root, 'fraud'), join(root, 'repo-p')), measure: false });
    const c = parseWithProtobuf(protoOut, join(r.dir, 'config.pbtxt'));
    assert.equal(c.name, 'fraud');
    assert.equal(c.platform, 'onnxruntime_onnx');
    assert.equal(c.max_batch_size, 16);
    assert.deepEqual(c.input, [{ name: 'features', data_type: 'TYPE_FP32', dims: ['3'] }]);
    assert.deepEqual(c.output, [{ name: 'probabilities', data_type: 'TYPE_FP32', dims: ['2'], label_filename: 'labels.txt' }]);
    assert.deepEqual(c.dynamic_batching, { preferred_batch_size: [8, 16], max_queue_delay_microseconds: '500' });
    assert.deepEqual(c.instance_group, [{ count: 2, kind: 'KIND_CPU' }]);
  });

  it('exports a text model taking token ids, through the CLI, and its config parses too', { skip: skipProto }, async () => {
    const repo = join(root, 'repo-cli');
    const res = await runVerde(['export', 'triton', '--model', join(root, 'text'), '--out', repo, '--name', 'spam', '--no-measure', '--kind', 'gpu']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Wrote the Triton model spam to /);
    const c = parseWithProtobuf(protoOut, join(repo, 'spam', 'config.pbtxt'));
    assert.equal(c.name, 'spam');
    assert.deepEqual(c.input.map((i: { name: string; data_type: string; dims: string[] }) => [i.name, i.data_type, i.dims]), [['input_ids', 'TYPE_INT64', ['-1']], ['attention_mask', 'TYPE_INT64', ['-1']]]);
    assert.equal(c.output[0].label_filename, 'labels.txt');
    assert.deepEqual(c.output[0].dims, ['2']);
    assert.equal(c.instance_group[0].kind, 'KIND_GPU');
    assert.deepEqual(await readFile(join(repo, 'spam', '1', 'model.onnx')), await readFile(join(root, 'text', 'model.onnx')));
  });

  it('refuses a bad name or flag with one line, writing nothing', async () => {
    const repo = join(root, 'repo-bad');
    const bad = await runVerde(['export', 'triton', '--model', join(root, 'fraud'), '--out', repo, '--name', '../x', '--no-measure']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^verde: --name "\.\.\/x": a Triton model name/);
    const kind = await runVerde(['export', 'triton', '--model', join(root, 'fraud'), '--out', repo, '--kind', 'tpu']);
    assert.equal(kind.code, 2);
    assert.match(kind.stderr, /--kind: "tpu" must be cpu or gpu/);
    const missing = await runVerde(['export', 'triton', '--model', join(root, 'nope'), '--out', repo]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope/);
    await assert.rejects(readdir(repo), /ENOENT/);
  });
});
