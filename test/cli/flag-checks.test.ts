/**
 * One way of checking flags across verde (issue 11): the library's cases and data stages check the
 * options a caller passes with src/util/flags.ts, the same validators the CLI parses with, so a bad
 * value is refused with the same one line from `runTextCase({ layers: 0 })` and from
 * `verde text --layers 0`. The bounds are written once (TEXT_NUMBER_FLAGS, FRAUD_WHOLE_FLAGS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNumber, checkWhole } from '../../src/util/flags.js';
import { UserError } from '../../src/util/errors.js';
import { runTextCase } from '../../src/cases/text/index.js';
import { parseClasses } from '../../src/cases/text/linear.js';
import { resolveFraudOptions } from '../../src/cases/fraud/options.js';
import { invalidUtf8Flag } from '../../src/data/text/utf8.js';
import { parseRole } from '../../src/registry/db/auth.js';
import { selectToLabel, simulateSelection } from '../../src/data/active-learning/index.js';
import { runMinimise } from '../../src/data/minimise/index.js';
import { runVerde } from '../fixtures/cli.js';

const refused = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof UserError && message.test(e.message) && !e.message.includes('\n'));
const rejected = (p: Promise<unknown>, message: RegExp) => assert.rejects(p, (e: unknown) => e instanceof UserError && message.test(e.message));

test('checks of values already parsed word errors like the text parsers', () => {
  assert.equal(checkNumber('--lr', 0.5, { above: 0, below: 1 }), 0.5);
  refused(() => checkNumber('--lr', 1, { above: 0, below: 1 }), /^--lr: expected a number < 1 \(got "1"\)$/);
  refused(() => checkNumber('--layers', 1.5, { integer: true, min: 1 }), /^--layers: expected a whole number \(got "1\.5"\)$/);
  refused(() => checkNumber('--x', NaN), /^--x: "NaN" is not a number$/);
  assert.equal(checkWhole('--clients', 8, 2, 8), 8);
  refused(() => checkWhole('--clients', 9, 2, 8), /^--clients: expected a whole number from 2 to 8 \(got "9"\)$/);
  refused(() => checkWhole('--budget', 0, 1), /^--budget: expected a whole number from 1 \(got "0"\)$/);
});

test('the library API refuses bad options with the shared wording', async () => {
  await rejected(runTextCase({ layers: 0 }), /^--layers: expected a number >= 1 \(got "0"\)$/);
  await rejected(runTextCase({ lr: 2 }), /^--lr: expected a number < 1 \(got "2"\)$/);
  await rejected(runTextCase({ exitThreshold: 0 }), /^--exit-threshold: expected a number > 0 \(got "0"\)$/);
  await rejected(runTextCase({ trainSize: 1 }), /^--train-size: expected a number >= 2 \(got "1"\)$/);
  refused(() => parseClasses('linear,forest'), /^--classes: "forest" must be transformer or linear$/);
  refused(() => parseClasses(' , '), /^--classes: " , " must be transformer or linear$/);
  assert.deepEqual(parseClasses('linear, linear,'), ['linear']);
  refused(() => resolveFraudOptions({ outDir: 'x', rows: 5 }), /^--rows: expected a whole number from 10000 to 10000000 \(got "5"\)$/);
  refused(() => resolveFraudOptions({ outDir: 'x', skip: ['hpo,magic'] }), /^--skip: "magic" must be minimisation, .* or batching$/);
  assert.deepEqual([...resolveFraudOptions({ outDir: 'x', skip: ['hpo, pruning', 'federated'] }).skip], ['hpo', 'pruning', 'federated']);
  refused(() => invalidUtf8Flag('ignore'), /^--invalid-utf8: "ignore" must be error, replace or skip$/);
  refused(() => parseRole('root'), /^--role: "root" must be viewer, developer, approver or admin$/);
  await rejected(selectToLabel({ labelled: 'l.csv', pool: 'p.csv', labelCol: 'y', budget: 1.5 } as Parameters<typeof selectToLabel>[0]), /^--budget: expected a whole number from 1 \(got "1\.5"\)$/);
  await rejected(runMinimise({ plan: { steps: [] }, input: 'x.csv', out: 'y.csv', qualityBudget: 1 } as unknown as Parameters<typeof runMinimise>[0]), /^--quality-budget: expected a number < 1 \(got "1"\)$/);
  await rejected(simulateSelection({ file: 'f.csv', labelCol: 'y', budget: 5, target: 1.5 } as Parameters<typeof simulateSelection>[0]), /^--target: expected a number <= 1 \(got "1\.5"\)$/);
});

/** `verde ARGS` exits 2 with exactly `verde: LINE` on stderr. */
async function cliSays(args: string[], line: string): Promise<void> {
  const r = await runVerde(args);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, `verde: ${line}\n`);
}

test('verde: the CLI and the library say the same line for the same bad value, exit 2', async () => {
  await cliSays(['text', '--layers', '0'], '--layers: expected a number >= 1 (got "0")');
  await cliSays(['text', '--exit-threshold', '0'], '--exit-threshold: expected a number > 0 (got "0")');
  await cliSays(['fraud', '--clients', '9', '--out', 'nowhere-flag-checks'], '--clients: expected a whole number from 2 to 8 (got "9")');
  // --push is checked when parsed, before the worker connects anywhere (the same parser as score and measure).
  await cliSays(['worker', '--queue', 'redis://127.0.0.1:1', '--push', 'nope'], '--push nope: not a URL (expected http://HOST:9091)');
  await cliSays(['bench-serve', '--concurrency', '1,0'], '--concurrency: expected a whole number from 1 to 1024 (got "0")');
  await cliSays(['measure', '--interval', '0', '--', 'true'], '--interval: "0" must be a duration above 0, such as 1s, 500ms or 2m');
});
