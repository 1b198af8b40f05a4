/**
 * config.json sizes come from the file: a corrupt or hostile one (found by the fuzz campaign:
 * n_layers 1e9 made Array(n) throw a RangeError) is one line naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHfConfig } from '../../src/models/distilbert/config.js';
import { UserError } from '../../src/util/errors.js';
import { fixturePath } from '../fixtures/paths.js';

const good = JSON.parse(readFileSync(join(fixturePath('tiny-distilbert'), 'config.json'), 'utf8'));

test('config.json sizes outside sane integer ranges are one-line errors naming the field', () => {
  assert.equal(parseHfConfig(good).nLayers, good.n_layers);
  const cases: [string, unknown][] = [['n_layers', 1e9], ['n_layers', 2.5], ['n_layers', 0], ['hidden_dim', 2 ** 40], ['num_labels', -1], ['vocab_size', 1e308], ['dim', -4]];
  for (const [field, value] of cases) {
    const raw = { ...good, [field]: value };
    if (field === 'num_labels') delete raw.id2label;
    assert.throws(() => parseHfConfig(raw, 'x/config.json'), (e: Error) => e instanceof UserError && e.message.startsWith(`x/config.json: field "${field}" must be an integer`), `${field}=${value}`);
  }
});
