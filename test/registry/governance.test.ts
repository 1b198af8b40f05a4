/**
 * Governance on a real registry: tokens and roles (each refusal one line naming the role), production
 * only through an approval by another approver, aliases only to existing versions with the pointer
 * file of the serve contract, archive/restore byte-identical, and retention that never deletes an
 * aliased version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles } from '../../src/registry/db/blobs.js';
import {
  aliasFile, approveRequest, archiveModel, checkoutDir, createToken, getModel, openRegistry, readLog, registerModelDir,
  removeAlias, requestAlias, restoreModel, retention, setAlias, verifyRegistry, type Registry,
} from '../../src/registry/db/index.js';
import { runVerde } from '../fixtures/cli.js';
import { tempDir, tinyModel } from './helpers.js';

const as = (root: string, token?: string): Registry => openRegistry({ registry: root, token }, {});

async function refused(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.ok(!err.message.includes('\n'), 'one line');
    assert.match(err.message, re);
    return true;
  });
}

test('roles, tokens and production approval', { timeout: 60_000 }, async () => {
  const t = await tempDir('verde-reg-gov-');
  const root = join(t.dir, 'reg');
  try {
    const dir = await tinyModel(join(t.dir, 'm'), { name: 'scorer' });
    // bootstrap: open until an admin token exists
    const boot = as(root);
    let admin: string, dev: string, viewer: string, appr1: string, appr2: string;
    try {
      assert.equal(boot.actor.open, true);
      await registerModelDir(boot, dir);
      admin = createToken(boot.db, boot.actor, 'ada', 'admin');
    } finally { boot.close(); }
    const a = as(root, admin);
    try {
      dev = createToken(a.db, a.actor, 'dev', 'developer');
      viewer = createToken(a.db, a.actor, 'vic', 'viewer');
      appr1 = createToken(a.db, a.actor, 'ann', 'approver');
      appr2 = createToken(a.db, a.actor, 'bob', 'approver');
    } finally { a.close(); }

    const anon = as(root);
    try { await refused(registerModelDir(anon, dir), /"register" needs a token with the developer role/); } finally { anon.close(); }
    assert.throws(() => as(root, 'verde_not-a-token'), /token is not known/);
    const v = as(root, viewer);
    try {
      await refused(registerModelDir(v, dir), /"register" needs the developer role \(vic has viewer\)/);
      await refused(() => requestAlias(v, 'scorer', 'production', 1), /needs the developer role/);
      await refused(() => createToken(v.db, v.actor, 'x', 'admin'), /"token create" needs the admin role/);
    } finally { v.close(); }

    const d = as(root, dev);
    let requestId: number;
    try {
      assert.equal((await registerModelDir(d, dir)).version, 2);
      await refused(setAlias(d, 'scorer', 'staging', 9), /scorer@9 does not exist/);
      await setAlias(d, 'scorer', 'staging', 2);
      await refused(setAlias(d, 'scorer', 'production', 2), /needs an approval/);
      await refused(approveRequest(d, 1), /"approve" needs the approver role/);
      await refused(() => requestAlias(d, 'scorer', 'production', 7), /scorer@7 does not exist/);
      requestId = requestAlias(d, 'scorer', 'production', 2).id;
    } finally { d.close(); }

    // an approver may not approve their own request
    const r1 = as(root, appr1);
    let own: number;
    try {
      own = requestAlias(r1, 'scorer', 'production', 1).id;
      await refused(approveRequest(r1, own), /approver other than the requester \(ann requested/);
      const ok = await approveRequest(r1, requestId);
      assert.equal(ok.version, 2);
    } finally { r1.close(); }
    const r2 = as(root, appr2);
    try {
      await approveRequest(r2, own);
      const pointer = JSON.parse(await readFile(aliasFile(r2.layout, 'scorer', 'production'), 'utf8'));
      assert.deepEqual({ ...pointer, setAt: 'x' }, { format: 'verde-alias/1', name: 'scorer', alias: 'production', version: 1, dir: 'checkouts/scorer/1', setAt: 'x' });
      assert.ok(existsSync(join(r2.layout.root, pointer.dir, 'model.onnx')), 'the pointer resolves to a checkout');
      const log = readLog(r2);
      const approvals = log.filter((e) => e.action === 'approve');
      assert.deepEqual(approvals.map((e) => e.who), ['ann', 'bob']);
      assert.ok(log.every((e) => e.at && e.who), 'who and when on every entry');
      // the log is append-only in the database itself
      assert.throws(() => r2.db.prepare('DELETE FROM log').run(), /append-only/);
    } finally { r2.close(); }
    const d2 = as(root, dev);
    try {
      await refused(removeAlias(d2, 'scorer', 'production'), /"alias rm" needs the approver role/);
    } finally { d2.close(); }

    // the CLI says the same in one line and exits 2
    const cli = await runVerde(['registry', 'register', dir, '--registry', root, '--token', viewer]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr.trim(), /^verde: registry: "register" needs the developer role \(vic has viewer\)$/);
  } finally {
    await t.done();
  }
});

test('archive and restore are byte-identical; retention never deletes an aliased version', { timeout: 60_000 }, async () => {
  const t = await tempDir('verde-reg-arch-');
  const reg = openRegistry({ registry: join(t.dir, 'reg') });
  try {
    const dir = await tinyModel(join(t.dir, 'm'), { name: 'tab' });
    for (let i = 0; i < 4; i++) await registerModelDir(reg, await tinyModel(join(t.dir, `m${i}`), { name: 'tab', scale: 1 + i }));
    const before = new Map<string, Buffer>();
    const co = checkoutDir(reg.layout, 'tab', 2);
    for (const f of await listFiles(co)) before.set(f, await readFile(join(co, f)));
    const arch = await archiveModel(reg, 'tab@2');
    assert.ok(arch.compressedBytes > 0 && arch.compressedBytes < arch.bytes, `zstd made it smaller: ${arch.bytes} -> ${arch.compressedBytes}`);
    assert.ok(!existsSync(co), 'checkout removed');
    assert.equal(getModel(reg.db, 'tab@2').status, 'archived');
    assert.deepEqual((await verifyRegistry(reg)).problems, []);
    await restoreModel(reg, 'tab@2');
    assert.deepEqual((await listFiles(co)).sort(), [...before.keys()].sort());
    for (const [f, bytes] of before) assert.ok(bytes.equals(await readFile(join(co, f))), `${f} byte-identical`);
    await refused(restoreModel(reg, 'tab@2'), /is active, not archived/);

    await setAlias(reg, 'tab', 'staging', 1);
    const dry = await retention(reg, { keepLast: 2 }, true);
    assert.deepEqual(dry.remove.map((r) => r.model), ['tab@2']);
    assert.deepEqual(dry.keptAliased, ['tab@1']);
    assert.ok(dry.bytesFreed > 0);
    assert.ok(existsSync(checkoutDir(reg.layout, 'tab', 2)), 'dry run deletes nothing');
    const real = await retention(reg, { keepLast: 2 }, false);
    assert.equal(real.bytesFreed, dry.bytesFreed);
    assert.ok(!existsSync(checkoutDir(reg.layout, 'tab', 2)));
    assert.ok(existsSync(join(checkoutDir(reg.layout, 'tab', 1), 'model.onnx')), 'the aliased version stays');
    assert.equal(getModel(reg.db, 'tab@2').status, 'deleted');
    await refused(archiveModel(reg, 'tab@1'), /has an alias/);
    const byAge = await retention(reg, { newerThanDays: 0 }, true, Date.now() + 1000);
    assert.ok(!byAge.remove.some((r) => r.model === 'tab@1'));
    void dir;
  } finally {
    reg.close();
    await t.done();
  }
});
