/**
 * `verde serve`'s flag defaults are createServer's (DEFAULT_SERVE_OPTIONS): the CLI takes them from
 * the library, so a default changed in one place changes in both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerServe } from '../../src/cli/commands/serve.js';
import { DEFAULT_SERVE_OPTIONS } from '../../src/serve/options.js';

test('every serve flag with a library option has the library default', () => {
  const program = new Command();
  registerServe(program);
  const serve = program.commands.find((c) => c.name() === 'serve')!;
  const defaults = DEFAULT_SERVE_OPTIONS as unknown as Record<string, unknown>;
  let compared = 0;
  for (const opt of serve.options) {
    const key = opt.attributeName();
    if (!(key in defaults) || key === 'cascades') continue;
    assert.deepEqual(opt.defaultValue, defaults[key], `--${opt.long}`);
    compared++;
  }
  assert.ok(compared >= 12, `only ${compared} flags compared`);
});

test('--feedback-limit and bench-serve\'s server settings default to the library\'s too', async () => {
  const program = new Command();
  registerServe(program);
  const serve = program.commands.find((c) => c.name() === 'serve')!;
  assert.equal(serve.options.find((o) => o.long === '--feedback-limit')!.defaultValue, DEFAULT_SERVE_OPTIONS.feedbackLimitBytes);
  const { registerBenchServe } = await import('../../src/cli/commands/bench-serve.js');
  registerBenchServe(program);
  const bench = program.commands.find((c) => c.name() === 'bench-serve')!;
  const defaults = DEFAULT_SERVE_OPTIONS as unknown as Record<string, unknown>;
  for (const key of ['maxBatchSize', 'maxQueueDelayMs', 'workers', 'threads']) {
    assert.equal(bench.options.find((o) => o.attributeName() === key)!.defaultValue, defaults[key], key);
  }
});
