/**
 * Fixtures for the score tests: a small transactions-like CSV (amount, hour, channel with some
 * missing values; a label) and a tiny GBDT trained on it with verde's own trainer and written as
 * a verde model directory (writeGbdtModelDir), so scoring runs the real TreeEnsemble graph.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../../src/util/random.js';
import { readTabular } from '../../src/data/tabular/read.js';
import { trainGbdt, writeGbdtModelDir } from '../../src/models/gbdt/index.js';

export const CHANNELS = ['web', 'pos', 'atm'];

/** CSV text of `n` rows: amount (some missing), hour, channel (some missing), label 0/1. */
export function transactionsCsv(n: number, seed: number): string {
  const rng = new Prng(seed);
  const lines = ['amount,hour,channel,label'];
  for (let i = 0; i < n; i++) {
    const amount = Math.round(rng.uniform(1, 500) * 100) / 100;
    const hour = rng.int(24);
    const channel = CHANNELS[rng.int(3)]!;
    const risk = amount / 500 + (hour < 6 ? 0.3 : 0) + (channel === 'web' ? 0.2 : 0);
    const label = rng.chance(Math.min(0.95, risk * 0.6)) ? 1 : 0;
    lines.push(`${rng.chance(0.05) ? '' : amount},${hour},${rng.chance(0.05) ? '' : channel},${label}`);
  }
  return lines.join('\n') + '\n';
}

export interface ScoreFixture {
  dir: string;
  csv: string;
  model: string;
}

/** A temp folder with data.csv (`rows` rows) and model/ (a GBDT of a few trees trained on it). */
export async function scoreFixture(rows: number, seed = 7): Promise<ScoreFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'verde-score-test-'));
  const csv = join(dir, 'data.csv');
  await writeFile(csv, transactionsCsv(rows, seed));
  const ds = await readTabular(csv, { labelCol: 'label', categorical: ['channel'] });
  const m = await trainGbdt(ds, { nTrees: 8, earlyStoppingRounds: 0, maxDepth: 3 });
  const model = join(dir, 'model');
  await writeGbdtModelDir(model, m, { name: 'score-gbdt', createdAt: '2026-12-04T00:00:00Z' });
  return { dir, csv, model };
}

/** Every prediction in OUT's part files, in row order: [row, label, p_legit, p_fraud]. */
export async function readParts(out: string): Promise<Array<[number, string, number, number]>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const r = await con.runAndReadAll(`SELECT "row", label, p_legit, p_fraud FROM read_parquet('${join(out, 'part-*.parquet').replace(/'/g, "''")}') ORDER BY "row"`);
    return r.getRows().map((x) => [Number(x[0]), String(x[1]), Number(x[2]), Number(x[3])]);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** The compression codecs of a Parquet file's column chunks (DuckDB's parquet_metadata). */
export async function partCompressions(file: string): Promise<string[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const r = await con.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file.replace(/'/g, "''")}')`);
    return r.getRows().map((x) => String(x[0]));
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** The built CLI as a child process: exit code and output. */
export async function verde(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const { execFile } = await import('node:child_process');
  const { CLI } = await import('../fixtures/cli.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1', ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}
