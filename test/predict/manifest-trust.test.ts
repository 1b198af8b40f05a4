/**
 * Issue 12 item 6: a verde.json is checked against its graph and directory when the model is
 * opened, by the one module predict and serve share (src/registry/model-dir.ts). Each bad manifest
 * is a one-line error naming the file and field, exit 2, and `verde predict --out` writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../../src/registry/manifest.js';
import { openModelDir } from '../../src/registry/model-dir.js';
import { createServer } from '../../src/serve/server.js';
import { writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { bagModel, writeBagModelDir } from './bag-model.js';
import { writeTabularModelDir } from './tabular-model.js';
import { runVerde } from '../fixtures/cli.js';

const verde = runVerde;

type Json = Record<string, unknown>;

async function patchManifest(dir: string, patch: (m: Json) => void): Promise<void> {
  const path = join(dir, MANIFEST_FILE);
  const m = JSON.parse(await readFile(path, 'utf8')) as Json;
  patch(m);
  await writeFile(path, JSON.stringify(m));
}

/** openModelDir refuses `dir` with a one-line UserError matching `re`. */
async function refused(dir: string, re: RegExp): Promise<void> {
  await assert.rejects(openModelDir(dir), (err: Error) => {
    assert.equal(err.name, 'UserError', err.stack);
    assert.ok(!err.message.includes('\n'), err.message);
    assert.match(err.message, re);
    return true;
  });
}

test('manifest fields: labels, tabular.features, text.maxLength and io are checked against the graph', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-manifest-'));
  try {
    const bag = await bagModel();
    const text = join(root, 'text');
    const tab = join(root, 'tab');
    await mkdir(text);
    await mkdir(tab);
    await writeBagModelDir(text, bag);
    await writeTabularModelDir(tab);
    const textJson = await readFile(join(text, MANIFEST_FILE), 'utf8');
    const tabJson = await readFile(join(tab, MANIFEST_FILE), 'utf8');
    const cases: Array<[string, string, (m: Json) => void, RegExp]> = [
      ['text', 'null labels', (m) => (m.labels = [null, null]), /verde\.json: field "labels\[0\]" must be a non-empty string \(got null\)/],
      ['text', 'numeric labels', (m) => (m.labels = [1, 2]), /field "labels\[0\]" must be a non-empty string \(got 1\)/],
      ['text', 'duplicate labels', (m) => (m.labels = ['ham', 'ham']), /field "labels" lists "ham" twice/],
      ['text', 'three labels, two outputs', (m) => (m.labels = ['a', 'b', 'c']), /field "labels" lists 3 labels but .*model\.onnx's output "logits" has 2 columns/],
      ['text', 'a huge maxLength', (m) => ((m.text as Json).maxLength = 100000), /field "text\.maxLength" must be a whole number of tokens from 2 to 8192 \(got 100000\)/],
      ['text', 'a string maxLength', (m) => ((m.text as Json).maxLength = '32'), /field "text\.maxLength"/],
      ['text', 'an output the graph lacks', (m) => ((m.io as Json).output = 'probs'), /field "io\.output" is "probs" but .*model\.onnx has no such output \(outputs: logits\)/],
      ['text', 'an input the graph lacks', (m) => ((m.io as Json).inputs = ['input_ids', 'attention_mask', 'token_type_ids']), /field "io\.inputs" lists "token_type_ids" but .*model\.onnx has no such input \(inputs: input_ids, attention_mask\)/],
      ['text', 'a graph input the manifest omits', (m) => ((m.io as Json).inputs = ['input_ids']), /model\.onnx takes an input "attention_mask" that field "io\.inputs" does not list/],
      ['text', 'a bad outputKind', (m) => ((m.io as Json).outputKind = 'scores'), /field "io\.outputKind" must be "logits" or "probabilities"/],
      ['tab', 'features as a string', (m) => ((m.tabular as Json).features = 'oops'), /field "tabular\.features" must list the features, \[\{name, type\}, \.\.\.\] \(got "oops"\)/],
      ['tab', 'a nameless feature', (m) => ((m.tabular as Json).features = [{ type: 'numeric' }, { name: 'b', type: 'numeric' }]), /field "tabular\.features\[0\]\.name" must be a non-empty string/],
      ['tab', 'a feature twice', (m) => ((m.tabular as Json).features = [{ name: 'a', type: 'numeric' }, { name: 'a', type: 'numeric' }]), /lists the feature "a" twice/],
      ['tab', 'three features, two columns', (m) => ((m.tabular as Json).features = [{ name: 'a', type: 'numeric' }, { name: 'b', type: 'numeric' }, { name: 'c', type: 'numeric' }]), /lists 3 features but .*model\.onnx's input "features" has 2 columns/],
      ['tab', 'categories not strings', (m) => ((m.tabular as Json).features = [{ name: 'a', type: 'numeric' }, { name: 'b', type: 'categorical', categories: [1] }]), /field "tabular\.features\[1\]\.categories\[0\]" must be a non-empty string/],
      ['tab', 'a missing io', (m) => delete m.io, /field "io" must have "inputs" and "output"/],
    ];
    for (const [which, what, patch, re] of cases) {
      const dir = which === 'text' ? text : tab;
      await writeFile(join(dir, MANIFEST_FILE), which === 'text' ? textJson : tabJson);
      await patchManifest(dir, patch);
      await refused(dir, re).catch((err: Error) => assert.fail(`${what}: ${err.message}`));
    }
    // the position table a config.json declares bounds maxLength too
    await writeFile(join(text, MANIFEST_FILE), textJson);
    await writeFile(join(text, 'config.json'), JSON.stringify({ max_position_embeddings: 16 }));
    await refused(text, /field "text\.maxLength" 32 exceeds the model's position table \(max_position_embeddings 16 in .*config\.json\)/);
    await writeFile(join(text, 'config.json'), JSON.stringify({ max_position_embeddings: 64 }));
    assert.equal((await openModelDir(text)).manifest.labels.length, 2, 'the unpatched manifest opens');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('model.onnx that is truncated, random bytes or empty: one-line error before ONNX Runtime sees it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-manifest-'));
  try {
    const dir = join(root, 'm');
    await mkdir(dir);
    await writeBagModelDir(dir, await bagModel());
    const good = await readFile(join(dir, 'model.onnx'));
    for (const [what, bytes] of [
      ['truncated', good.subarray(0, Math.floor(good.length / 2))],
      ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24))],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      await writeFile(join(dir, 'model.onnx'), bytes);
      await refused(dir, /model\.onnx: not a valid ONNX model \(.*\)/).catch((err: Error) => assert.fail(`${what}: ${err.message}`));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('early-exit stage paths stay inside the model directory: no "..", no absolute path, no symbolic link out', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-manifest-'));
  try {
    const dir = join(root, 'exit');
    await writeTinyTextModel(dir, { name: 'exit', earlyExit: true, layers: 2, exitThreshold: 0.9 });
    const opened = await openModelDir(dir);
    assert.equal(opened.stagePaths.length, 2);
    const original = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    const stages = (JSON.parse(original) as { earlyExit: { stages: string[] } }).earlyExit.stages;
    await writeFile(join(root, 'outside.onnx'), await readFile(join(dir, stages[0]!)));
    await symlink(join(root, 'outside.onnx'), join(dir, 'link.onnx'));
    const cases: Array<[unknown, RegExp]> = [
      ['../outside.onnx', /field "earlyExit\.stages\[0\]" \("\.\.\/outside\.onnx"\) leaves the model directory \("\.\."\)/],
      ['exits/../../outside.onnx', /leaves the model directory/],
      [join(root, 'outside.onnx'), /field "earlyExit\.stages\[0\]" is an absolute path/],
      ['link.onnx', /field "earlyExit\.stages\[0\]": .*link\.onnx leads outside the model directory \(to .*outside\.onnx\)/],
      ['exits/missing.onnx', /field "earlyExit\.stages\[0\]": .*missing\.onnx cannot be opened \(ENOENT\)/],
      ['exits', /field "earlyExit\.stages\[0\]": .*exits is not a file/],
      [null, /field "earlyExit\.stages\[0\]" must be a path to a stage file \(got null\)/],
    ];
    for (const [stage, re] of cases) {
      await writeFile(join(dir, MANIFEST_FILE), original);
      await patchManifest(dir, (m) => ((m.earlyExit as { stages: unknown[] }).stages[0] = stage));
      await refused(dir, re).catch((err: Error) => assert.fail(`${String(stage)}: ${err.message}`));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('CLI: verde predict on a bad manifest exits 2 with one line and writes no --out; verde serve refuses to start', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-manifest-cli-'));
  try {
    const text = join(root, 'text');
    const tab = join(root, 'tab');
    await mkdir(text);
    await mkdir(tab);
    await writeBagModelDir(text, await bagModel());
    await writeTabularModelDir(tab);
    await patchManifest(text, (m) => (m.labels = [null, null]));
    const out = join(root, 'preds.json');
    const r = await verde(['predict', '--model', text, '--text', 'free money', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^verde: .*verde\.json: field "labels\[0\]" must be a non-empty string \(got null\)\n$/);
    await assert.rejects(readFile(out), /ENOENT/, '--out is not written');

    await patchManifest(tab, (m) => ((m.tabular as Json).features = 'oops'));
    const csv = join(root, 'rows.csv');
    await writeFile(csv, 'amount,category\n3,food\n');
    const t = await verde(['predict', '--model', tab, '--data', csv, '--out', out]);
    assert.equal(t.code, 2, t.stderr);
    assert.match(t.stderr, /^verde: .*verde\.json: field "tabular\.features" must list the features.*\n$/);
    await assert.rejects(readFile(out), /ENOENT/);

    // serve: the same check at load time, before any worker or port
    await assert.rejects(createServer({ models: [text], port: 0 }), (err: Error) => {
      assert.equal(err.name, 'UserError');
      assert.match(err.message, /verde\.json: field "labels\[0\]" must be a non-empty string/);
      return true;
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
