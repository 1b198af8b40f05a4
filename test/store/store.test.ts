/**
 * The run store: a real SQLite file through better-sqlite3. Round trip, migrations and the newer-
 * schema refusal, a locked database, concurrent writers in two real child processes, and the CLI's
 * list/show/diff with their one-line errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { openStore, saveRun, getRun, listRuns, SCHEMA_VERSION, storePath, STORE_ENV } from '../../src/store/index.js';
import { verde, sampleRun } from './helpers.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'verde-store-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('a run saved is read back whole; saving the same id again replaces it (serve sessions)', () => {
  const path = join(dir, 'roundtrip.db');
  const db = openStore(path);
  const r = sampleRun('run-a', '2026-01-01T00:00:00.000Z');
  saveRun(db, r);
  assert.deepEqual(getRun(db, 'run-a'), r);
  saveRun(db, { ...r, status: 'running', variants: r.variants.slice(0, 1) });
  const again = getRun(db, 'run-a');
  assert.equal(again.variants.length, 1);
  assert.equal(again.status, 'running');
  assert.equal(listRuns(db).length, 1);
  assert.equal(getRun(db, 'run-').id, 'run-a', 'a unique prefix finds the run');
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
});

test('--store, else VERDE_STORE, else ./verde-out/runs.db', () => {
  assert.equal(storePath('x.db', {}), join(process.cwd(), 'x.db'));
  assert.equal(storePath(undefined, { [STORE_ENV]: '/tmp/y.db' }), '/tmp/y.db');
  assert.equal(storePath(undefined, {}), join(process.cwd(), 'verde-out', 'runs.db'));
});

test('a store written by a newer schema is refused with one line, exit 2, and left as it was', async () => {
  const path = join(dir, 'newer.db');
  openStore(path).close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  for (const args of [['runs', 'list'], ['report', '--out', join(dir, 'newer.html')]]) {
    const r = await verde([...args, '--store', path]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /newer verde \(store schema 2; this verde reads up to 1\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  const check = new Database(path);
  assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
  check.close();
});

test('a locked store: one line, exit 2, after the busy timeout', async () => {
  const path = join(dir, 'locked.db');
  const db = openStore(path);
  saveRun(db, sampleRun('r1', '2026-01-01T00:00:00.000Z'));
  db.pragma('locking_mode = EXCLUSIVE');
  db.exec('BEGIN EXCLUSIVE');
  db.exec("UPDATE runs SET command = command WHERE id = 'r1'");
  try {
    const r = await verde(['report', '--store', path, '--out', join(dir, 'locked.html')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^verde: .*locked\.db: the run store is locked by another process/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    db.exec('COMMIT');
    db.close();
  }
});

/** A child process that records `n` runs through recordRun, the path every command takes. */
function writer(path: string, tag: string, n: number): Promise<number | null> {
  const code = `
    const s = await import(${JSON.stringify(new URL('../../src/store/index.js', import.meta.url).href)});
    const h = await import(${JSON.stringify(new URL('./helpers.js', import.meta.url).href)});
    for (let i = 0; i < ${n}; i++) {
      if (!s.recordRun(h.sampleRun('${tag}-' + i, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()), ${JSON.stringify(path)}, () => {})) process.exit(3);
    }`;
  return new Promise((res) => spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' }).on('close', res));
}

test('two processes recording at once lose no run', async () => {
  const path = join(dir, 'concurrent.db');
  const [a, b] = await Promise.all([writer(path, 'a', 40), writer(path, 'b', 40)]);
  assert.equal(a, 0);
  assert.equal(b, 0);
  const db = openStore(path, { create: false });
  const runs = listRuns(db);
  assert.equal(runs.length, 80);
  for (const tag of ['a', 'b']) for (let i = 0; i < 40; i++) assert.equal(getRun(db, `${tag}-${i}`).variants.length, 2);
  db.close();
});

test('two real verde measure commands at once both land in the store', async () => {
  const path = join(dir, 'measure.db');
  const cmd = (out: string) => verde(['measure', '--out', join(dir, out), '--store', path, '--', process.execPath, '-e', 'let x=0; for (let i=0;i<2e7;i++) x+=i']);
  const [a, b] = await Promise.all([cmd('m1'), cmd('m2')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const db = openStore(path, { create: false });
  const runs = listRuns(db);
  assert.equal(runs.length, 2);
  for (const r of runs) {
    const full = getRun(db, r.id);
    assert.equal(full.command, 'measure');
    assert.ok(full.energyJ > 0);
    assert.ok(full.components.some((c) => c.component === 'cpu' && c.method === 'modelled:tdp' && c.energyJ > 0));
    assert.ok(full.hardware.threads >= 1 && full.hardware.cpuModel.length > 0);
  }
  db.close();
});

test('verde runs list/show/diff, and one-line errors for an unknown id or a missing store', async () => {
  const path = join(dir, 'cli.db');
  const db = openStore(path);
  saveRun(db, sampleRun('first-run', '2026-01-01T00:00:00.000Z', [0.002, 0.004]));
  saveRun(db, sampleRun('second-run', '2026-01-02T00:00:00.000Z', [0.001, 0.004]));
  db.close();
  const list = await verde(['runs', 'list', '--store', path]);
  assert.equal(list.code, 0, list.stderr);
  assert.ok(list.stdout.indexOf('second-run') < list.stdout.indexOf('first-run'), 'newest first');
  const show = await verde(['runs', 'show', 'second', '--store', path]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /run second-run: text/);
  assert.match(show.stdout, /base .*0\.001 /);
  const diff = await verde(['runs', 'diff', 'first-run', 'second-run', '--store', path]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /base\s+J\/inference\s+0\.002\s+0\.001\s+-50\.0 %/);
  const unknown = await verde(['runs', 'show', 'nope', '--store', path]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^verde: --runs nope: no such run in .*cli\.db/);
  const missing = await verde(['runs', 'list', '--store', join(dir, 'absent.db')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /absent\.db: no run store here/);
});
