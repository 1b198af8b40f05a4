/**
 * The registry's records on a real SQLite file: two child processes registering at once get
 * distinct versions and lose nothing; a process killed between the files and the transaction leaves
 * no entry; verify finds a corrupt and a missing file by content hash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { allModels, blobPath, checkoutDir, openRegistry, readLog, registerModelDir, verifyRegistry } from '../../src/registry/db/index.js';
import { CHILD, tempDir, tinyModel } from './helpers.js';

const run = promisify(execFile);

test('two processes registering at once get distinct versions and lose nothing', { timeout: 120_000 }, async () => {
  const t = await tempDir('verde-reg-conc-');
  try {
    const dir = await tinyModel(join(t.dir, 'm'));
    const root = join(t.dir, 'reg');
    const kids = await Promise.all([0, 1].map(() => run(process.execPath, [CHILD, root, dir, 'shared', '5'], { timeout: 100_000 })));
    const got = kids.flatMap((k) => k.stdout.trim().split('\n').map(Number)).sort((a, b) => a - b);
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const reg = openRegistry({ registry: root });
    try {
      const models = allModels(reg.db);
      assert.equal(models.length, 10);
      assert.equal(new Set(models.map((m) => m.id)).size, 10);
      for (const m of models) assert.ok(existsSync(join(checkoutDir(reg.layout, m.name, m.version), 'model.onnx')), `checkout of v${m.version}`);
      assert.equal(readLog(reg).filter((e) => e.action === 'register').length, 10);
    } finally {
      reg.close();
    }
  } finally {
    await t.done();
  }
});

test('a process killed between the files and the transaction leaves no half entry', { timeout: 60_000 }, async () => {
  const t = await tempDir('verde-reg-crash-');
  try {
    const dir = await tinyModel(join(t.dir, 'm'));
    const root = join(t.dir, 'reg');
    const killed = await run(process.execPath, [CHILD, root, dir, 'crashy', '1'], { env: { ...process.env, VERDE_REGISTRY_TEST_CRASH: 'after-files' } }).then(() => null, (e: { signal?: string }) => e);
    assert.equal(killed?.signal, 'SIGKILL', 'the child died at the hook');
    const reg = openRegistry({ registry: root });
    try {
      assert.equal(allModels(reg.db).length, 0, 'no entry');
      assert.equal(readLog(reg).length, 0, 'no log entry');
      assert.ok(!existsSync(join(reg.layout.checkouts, 'crashy', '1')), 'no checkout');
      const m = await registerModelDir(reg, dir, { name: 'crashy' });
      assert.equal(m.version, 1, 'the next register takes version 1');
      assert.equal((await verifyRegistry(reg)).problems.length, 0);
    } finally {
      reg.close();
    }
  } finally {
    await t.done();
  }
});

test('verify finds a corrupt checkout file and a missing blob by content hash', { timeout: 60_000 }, async () => {
  const t = await tempDir('verde-reg-verify-');
  const reg = openRegistry({ registry: join(t.dir, 'reg') });
  try {
    const a = await registerModelDir(reg, await tinyModel(join(t.dir, 'a'), { name: 'a' }));
    const b = await registerModelDir(reg, await tinyModel(join(t.dir, 'b'), { name: 'b', scale: 2 }));
    assert.deepEqual((await verifyRegistry(reg)).problems, []);
    const onnx = join(checkoutDir(reg.layout, a.name, a.version), 'model.onnx');
    const bytes = await readFile(onnx);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(onnx, bytes);
    const bModel = b.files.find((f) => f.path === 'model.onnx')!;
    await rm(blobPath(reg.layout, bModel.sha256));
    const { problems } = await verifyRegistry(reg);
    assert.ok(problems.some((p) => p.model === 'a@1' && p.file === 'model.onnx' && /checkout corrupt/.test(p.problem)), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.model === 'b@1' && p.file === 'model.onnx' && /blob missing/.test(p.problem)), JSON.stringify(problems));
  } finally {
    reg.close();
    await t.done();
  }
});
