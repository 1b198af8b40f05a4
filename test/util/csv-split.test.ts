/**
 * The CSV splitter and reader on inputs the fuzz campaign found slow (bench/fuzz, target csv): a
 * 4 MB record with quotes took ~2 s to split a character at a time, and a stray quote early in a
 * big file made the reader re-split the growing record at every line (quadratic: minutes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitCsvRecord } from '../../src/util/csv.js';
import { mulberry32 } from '../../src/util/random.js';
import { readTabular } from '../../src/data/tabular/read.js';

/** The character-at-a-time splitter it replaced: the oracle. */
function reference(line: string): string[] | null {
  const out: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inQuotes) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') inQuotes = false;
      else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  if (inQuotes) return null;
  out.push(field);
  return out;
}

test('splitCsvRecord gives the same fields as the character-at-a-time splitter on 20,000 random records', () => {
  const r = mulberry32(12);
  const alphabet = ['a', 'b', ',', '"', '""', '\n', ' ', 'é'];
  for (let k = 0; k < 20_000; k++) {
    const line = Array.from({ length: Math.floor(r() * 12) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    assert.deepEqual(splitCsvRecord(line), reference(line), JSON.stringify(line));
  }
});

test('a stray quote early in a 60,000-line CSV is refused at once, naming its line', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-csv-split-'));
  try {
    const f = join(dir, 'd.csv');
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},${i % 2 ? 'a' : 'b'},row ${i} with a "quoted" word`);
    rows[1] = '1,a,"never closed';
    await writeFile(f, `amount,label,note\n${rows.join('\n')}\n`);
    await assert.rejects(readTabular(f, { labelCol: 'label' }), /d\.csv: line 3: unterminated quoted field$/);
    // Without the stray quote the same file reads.
    rows[1] = '1,a,closed';
    await writeFile(f, `amount,label,note\n${rows.join('\n')}\n`);
    assert.equal((await readTabular(f, { labelCol: 'label' })).report.rows, 60_000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
