/**
 * src/cli/flags.ts is the one way commands validate flag values: numbers, whole numbers, counts,
 * probabilities and choices, each refused with one line naming the flag and the value. The last
 * test runs the real `verde` binary: different commands word the same kind of mistake the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choiceFlag, choiceListFlag, countFlag, intFlag, numberFlag, probabilityFlag } from '../../src/cli/flags.js';
import { UserError } from '../../src/util/errors.js';
import { runVerde } from '../fixtures/cli.js';

const refused = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof UserError && message.test(e.message) && !e.message.includes('\n'));

test('numbers: bounds inclusive and exclusive, whole numbers, counts with k and m, probabilities', () => {
  assert.equal(numberFlag('--x')('2.5'), 2.5);
  refused(() => numberFlag('--x')('abc'), /^--x: "abc" is not a number$/);
  refused(() => numberFlag('--x')(' '), /^--x: " " is not a number$/);
  refused(() => numberFlag('--pue', { min: 1 })('0.9'), /^--pue: expected a number >= 1 \(got "0\.9"\)$/);
  refused(() => numberFlag('--corr', { above: 0, below: 1 })('1'), /^--corr: expected a number < 1 \(got "1"\)$/);
  refused(() => numberFlag('--corr', { above: 0, below: 1 })('0'), /^--corr: expected a number > 0 \(got "0"\)$/);
  assert.equal(numberFlag('--corr', { above: 0, below: 1 })('0.95'), 0.95);
  refused(() => numberFlag('--seed', { integer: true })('1.5'), /^--seed: expected a whole number \(got "1\.5"\)$/);
  assert.equal(numberFlag('--seed', { integer: true })('-3'), -3);
  assert.equal(intFlag('--n', 1, 10)('10'), 10);
  refused(() => intFlag('--n', 1, 10)('11'), /^--n: expected a whole number from 1 to 10 \(got "11"\)$/);
  assert.equal(countFlag('--rows', 1)('200k'), 200_000);
  assert.equal(countFlag('--rows', 1)('1_000'), 1000);
  refused(() => probabilityFlag('--p')('1.2'), /^--p: expected a probability from 0 to 1 \(got "1\.2"\)$/);
});

test('choices: one word or a comma-separated list from a fixed set', () => {
  const format = choiceFlag('--format', ['html', 'md', 'json'] as const);
  const f: 'html' | 'md' | 'json' = format('md');
  assert.equal(f, 'md');
  refused(() => format('pdf'), /^--format: "pdf" must be html, md or json$/);
  refused(() => choiceFlag('--kind', ['cpu', 'gpu'])('tpu'), /^--kind: "tpu" must be cpu or gpu$/);
  const only = choiceListFlag('--only', ['batching', 'cache', 'overload']);
  assert.deepEqual(only('cache, overload'), ['cache', 'overload']);
  refused(() => only('cache,warp'), /^--only: "warp" must be batching, cache or overload$/);
});

test('verde: two commands word a wrong choice and a wrong number the same way, exit 2', async () => {
  const scope = await runVerde(['detect', '--scope', 'galaxy']);
  assert.equal(scope.code, 2);
  assert.equal(scope.stderr, 'verde: --scope: "galaxy" must be process or machine\n');
  const only = await runVerde(['demo', '--only', 'everything']);
  assert.equal(only.code, 2);
  assert.equal(only.stderr, 'verde: --only: "everything" must be text, fraud or data\n');
  const corr = await runVerde(['data', 'profile', 'nowhere.csv', '--corr', '1.5']);
  assert.equal(corr.code, 2);
  assert.equal(corr.stderr, 'verde: --corr: expected a number < 1 (got "1.5")\n');
});
