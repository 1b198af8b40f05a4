/**
 * A UserError is printed by the CLI as one line (`verde: <message>`), whatever the message quotes
 * from the user's input: the fuzz campaign found JSON parse errors quoting several lines of the file
 * and config fields echoing a "\r". Line breaks are shown escaped instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, fail } from '../../src/util/errors.js';
import { readJsonFile } from '../../src/util/json-file.js';

test('UserError messages are one line: line breaks in quoted input are escaped', () => {
  const e = new UserError('a.json: field "x" "1\r\n2\n3\r4\u2028" is bad');
  assert.equal(e.message, 'a.json: field "x" "1\\r\\n2\\n3\\r4\\u2028" is bad');
  assert.throws(() => fail('b.csv', 'line\nbreak'), (err: Error) => err.message === 'b.csv: line\\nbreak');
});

test('a JSON file whose parse error quotes several lines is refused on one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-user-error-'));
  try {
    const f = join(dir, 'config.json');
    await writeFile(f, '{\n  "a": [\n    Dis\n]}\n'); // V8 quotes the lines around an unexpected token
    await assert.rejects(readJsonFile(f), (err: Error) => {
      assert.equal(err.name, 'UserError');
      assert.ok(!/[\r\n]/.test(err.message), `one line: ${err.message}`);
      assert.match(err.message, /config\.json: not valid JSON/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
