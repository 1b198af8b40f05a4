/**
 * What the fuzz campaign feeds: every file parser a user can reach, each given valid seeds and run
 * through the same entry point the CLI uses. A run that throws a UserError (one line, exit 2 at the
 * CLI) is a correct rejection; anything else thrown is a crash. The HTTP target is in http-target.ts.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSafetensors, parseSafetensors } from '../../src/engine/safetensors.js';
import type { HostTensor } from '../../src/engine/types.js';
import { readManifest } from '../../src/registry/manifest.js';
import { loadTokenizer } from '../../src/tokenizers/load.js';
import { loadHfDistilBert } from '../../src/models/distilbert/checkpoint.js';
import { openModel } from '../../src/predict/index.js';
import { readTabular } from '../../src/data/tabular/read.js';
import { readTextTable } from '../../src/data/text/files.js';
import { writeTinyTabularModel, writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { UNICODE_EDGES, type Rand, type SeedKind } from './mutate.js';

export interface Target {
  name: string;
  kind: SeedKind;
  /** Valid inputs the mutations start from (written once into `work`, a private directory). */
  setup(work: string): Promise<Uint8Array[]>;
  /** Parse one input; resolve or throw a UserError for a correct run. */
  run(input: Uint8Array, work: string): Promise<void>;
  /** Optional extra structure-aware mutation (e.g. safetensors' JSON header); null: use the generic ones. */
  mutate?(seed: Uint8Array, r: Rand): Uint8Array | null;
  /** Reads through DuckDB: the fuzz child shares one in-memory database across inputs (src/util/duckdb-memory.ts). */
  usesDuckDB?: boolean;
}

const enc = new TextEncoder();
const fixtureDir = (work: string) => join(work, 'fixture-hf');
const SAMPLE_TEXTS = ['win a free prize now', 'meeting tomorrow at noon', ...UNICODE_EDGES.slice(0, 8).map((u) => `a${u}b ${u}`)];

function f32(dims: number[], fill = 0.5): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', dims, data: new Float32Array(n).fill(fill) };
}

/** Touch every byte a consumer would (views into the file must stay in bounds). */
function touch(data: ArrayLike<number | bigint>): void {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += Number(data[i]);
  if (Number.isNaN(s)) return;
}

const safetensors: Target = {
  name: 'safetensors',
  kind: 'binary',
  async setup() {
    return [
      encodeSafetensors({ 'a.weight': f32([2, 3]), 'a.bias': f32([3]) }, { format: 'pt' }),
      encodeSafetensors({ ids: { dtype: 'int64', dims: [4], data: BigInt64Array.of(1n, 2n, 3n, 4n) }, scalar: f32([]) }),
      encodeSafetensors({ h: { dtype: 'float16', dims: [2, 2], data: new Uint16Array([0x3c00, 0, 0x7c00, 0xfc00]) } as unknown as HostTensor }),
      encodeSafetensors({}),
    ];
  },
  async run(input) {
    const { tensors } = parseSafetensors(input, 'fuzz.safetensors');
    for (const t of tensors.values()) touch(t.data as ArrayLike<number>);
  },
  mutate(seed, r) {
    // Rewrite the JSON header (structure-aware), keeping the length prefix consistent half the time.
    if (seed.length < 8) return null;
    const n = Number(new DataView(seed.buffer, seed.byteOffset).getBigUint64(0, true));
    if (n > seed.length - 8) return null;
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder().decode(seed.subarray(8, 8 + n)));
    } catch {
      return null;
    }
    const names = Object.keys(header);
    const k = names.length ? names[Math.floor(r() * names.length)]! : '__metadata__';
    const entry = header[k] as Record<string, unknown> | undefined;
    const edits: (() => void)[] = [
      () => (header[k] = null),
      () => entry && delete entry.shape,
      () => entry && delete entry.data_offsets,
      () => entry && (entry.data_offsets = [-8, 4]),
      () => entry && (entry.data_offsets = [0, 2 ** 60]),
      () => entry && (entry.shape = [-1, 2]),
      () => entry && (entry.shape = [1e308]),
      () => entry && (entry.dtype = ['BOGUS', 'F64', 'I8', 'BOOL', 'BF16', 42][Math.floor(r() * 6)]),
      () => (header.__metadata__ = [{ a: 1 }, 'x', null, 5][Math.floor(r() * 4)]),
      () => (header[`dup${k}`] = entry),
    ];
    edits[Math.floor(r() * edits.length)]!();
    const json = enc.encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + (seed.length - 8 - n));
    new DataView(out.buffer).setBigUint64(0, BigInt(r() < 0.5 ? json.length : n), true);
    out.set(json, 8);
    out.set(seed.subarray(8 + n), 8 + json.length);
    return out;
  },
};

/** A file of a model directory replaced by the input, then the directory opened and used as `verde predict` does. */
function modelDirFile(name: string, file: string, kind: SeedKind, make: (dir: string) => Promise<void>, use: (dir: string) => Promise<void>): Target {
  return {
    name,
    kind,
    async setup(work) {
      const seedDir = join(work, 'seed');
      await make(seedDir);
      await cp(seedDir, join(work, 'dir'), { recursive: true });
      return [new Uint8Array(await readFile(join(seedDir, file)))];
    },
    async run(input, work) {
      await writeFile(join(work, 'dir', file), input);
      await use(join(work, 'dir'));
    },
  };
}

async function predictWith(dir: string): Promise<void> {
  const m = await openModel(dir, { threads: 1 });
  try {
    if (m.task === 'text-classification') await m.predictor.predict(SAMPLE_TEXTS.slice(0, 3));
  } finally {
    await m.predictor.close();
  }
}

async function tokenize(dir: string): Promise<void> {
  const tok = await loadTokenizer(dir);
  for (const t of SAMPLE_TEXTS) tok.encode(t, { maxLength: 64 });
}

const hfDir = async (dir: string) => {
  await cp(join(process.cwd(), 'test', 'fixtures', 'tiny-distilbert'), dir, { recursive: true });
};

const targets: Target[] = [
  safetensors,
  // verde.json: read, then the model opened and run (what predict and serve do with it).
  modelDirFile('verde.json', 'verde.json', 'json', async (d) => void (await writeTinyTextModel(d, { name: 'fuzz' })), predictWith),
  modelDirFile('verde.json-tabular', 'verde.json', 'json', async (d) => void (await writeTinyTabularModel(d, { name: 'fuzz-tab' })), async (dir) => {
    await readManifest(dir);
    await predictWith(dir);
  }),
  modelDirFile('config.json', 'config.json', 'json', hfDir, async (dir) => void (await loadHfDistilBert(dir, { labels: ['neg', 'pos'] }))),
  modelDirFile('vocab.txt', 'vocab.txt', 'text', hfDir, tokenize),
  modelDirFile('tokenizer_config.json', 'tokenizer_config.json', 'json', hfDir, tokenize),
  modelDirFile('tokenizer.json', 'tokenizer.json', 'json', async (d) => {
    await writeTinyTextModel(d, { name: 'fuzz' });
    const { bertTokenizerJson } = await import('../../src/tokenizers/bert-tokenizer-json.js');
    const { readVocabTxt } = await import('../../src/tokenizers/vocab.js');
    await writeFile(join(d, 'tokenizer.json'), JSON.stringify(bertTokenizerJson(await readVocabTxt(join(d, 'vocab.txt')))));
  }, tokenize),
];

/** Tabular and text readers on the same bytes, under the extension that picks the format. */
function tableTarget(name: string, ext: string, kind: SeedKind, seeds: (work: string) => Promise<Uint8Array[]>): Target {
  return {
    name,
    kind,
    setup: seeds,
    usesDuckDB: true,
    async run(input, work) {
      const path = join(work, `input${ext}`);
      await writeFile(path, input);
      if (ext === '.csv' || ext === '.tsv' || ext === '.parquet') await runUser('readTabular', () => readTabular(path, { labelCol: 'label' }));
      await runUser('readTextTable', () => readTextTable(path, { textCol: 'text', labelCol: 'label' }));
    },
  };
}

/** Run both readers even when the first rejects the input correctly (a UserError); rethrow anything else. */
async function runUser(reader: string, f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (err) {
    if ((err as Error)?.name === 'UserError') return;
    // name the reader: errors from DuckDB carry no stack frame in verde's source
    if (err instanceof Error) err.message = `[${reader}] ${err.message}`;
    throw err;
  }
}

const CSV_SEED = 'text,label,amount,kind\n"free prize, click now",spam,12.5,a\nsee you at lunch,ham,3,b\n"he said ""hi""",ham,-1e3,a\nwin cash,spam,,c\n';
const tsv = CSV_SEED.replace(/"free prize, click now"/, 'free prize click now').replace(/"he said ""hi"""/, 'he said hi').replace(/,/g, '\t');
const jsonl = ['{"text":"free prize now","label":"spam","amount":12.5}', '{"text":"see you at lunch","label":"ham","amount":3}', '{"text":"é ünïcode ☃","label":"ham","amount":null}'].join('\n') + '\n';

targets.push(
  tableTarget('csv', '.csv', 'text', async () => [enc.encode(CSV_SEED)]),
  tableTarget('tsv', '.tsv', 'text', async () => [enc.encode(tsv)]),
  tableTarget('jsonl', '.jsonl', 'text', async () => [enc.encode(jsonl)]),
  tableTarget('parquet', '.parquet', 'binary', async (work) => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const out: Uint8Array[] = [];
    for (const [i, q] of [
      "SELECT * FROM (VALUES ('free prize', 'spam', 12.5, 'a'), ('lunch', 'ham', 3.0, 'b'), ('cash', 'spam', NULL, 'c')) t(text, label, amount, kind)",
      "SELECT 'row ' || i::VARCHAR AS text, CASE WHEN i % 2 = 0 THEN 'ham' ELSE 'spam' END AS label, i * 1.5 AS amount FROM range(50) r(i)",
    ].entries()) {
      const p = join(work, `seed${i}.parquet`);
      await c.run(`COPY (${q}) TO '${p}' (FORMAT parquet)`);
      out.push(new Uint8Array(await readFile(p)));
    }
    c.closeSync();
    return out;
  }),
);

export const TARGETS: readonly Target[] = targets;

export function targetByName(name: string): Target {
  const t = targets.find((x) => x.name === name);
  if (!t) throw new Error(`unknown fuzz target "${name}" (known: ${targets.map((x) => x.name).join(', ')}, http)`);
  return t;
}

export async function makeWork(root: string, name: string): Promise<string> {
  const dir = join(root, name.replace(/[^\w.-]/g, '_'));
  await mkdir(dir, { recursive: true });
  return dir;
}
