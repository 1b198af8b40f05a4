import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture } from '../serve/helpers.js';
import { runVerde } from '../fixtures/cli.js';

const verde = runVerde;

test('verde calibrate: early-exit and cascade thresholds from a labelled file, printed and written as JSON', async () => {
  const f = await fixture();
  try {
    // Text: the tiny 3-stage early-exit model (spam words score high).
    const texts = ['free cash prize win now', 'click to claim money', 'meeting tomorrow thanks', 'please review the report', 'free meeting tomorrow thanks', 'win cash for the lunch'];
    const textLabels = ['spam', 'spam', 'ham', 'ham', 'ham', 'spam'];
    const textCsv = join(f.root, 'valid-text.csv');
    await writeFile(textCsv, ['message,truth', ...texts.map((t, i) => `"${t}",${textLabels[i]}`)].join('\n'));
    const out1 = join(f.root, 'exit.json');
    const r1 = await verde(['calibrate', '--model', f.textExit, '--data', textCsv, '--text-col', 'message', '--label-col', 'truth', '--target-accuracy', '0.8', '--out', out1]);
    assert.equal(r1.code, 0, r1.stderr);
    const j1 = JSON.parse(await readFile(out1, 'utf8'));
    assert.equal(j1.earlyExit.stages, 3);
    assert.equal(j1.earlyExit.targetAccuracy, 0.8);
    assert.ok(j1.earlyExit.accuracy >= 0.8);
    assert.ok(j1.earlyExit.meanStages < 3 && j1.earlyExit.stageRunsSaved > 0);
    // The printed flag is the chosen threshold itself, not a rounding that would change decisions.
    assert.ok(r1.stdout.includes(`--exit-threshold ${j1.earlyExit.threshold}\n`), r1.stdout);

    // Without --target-accuracy the target is the full model's accuracy minus --max-accuracy-drop.
    const out1b = join(f.root, 'exit-default.json');
    const r1b = await verde(['calibrate', '--model', f.textExit, '--data', textCsv, '--text-col', 'message', '--label-col', 'truth', '--max-accuracy-drop', '0', '--out', out1b]);
    assert.equal(r1b.code, 0, r1b.stderr);
    const e = JSON.parse(await readFile(out1b, 'utf8')).earlyExit;
    assert.equal(e.targetAccuracy, e.fullAccuracy);
    assert.ok(e.threshold === null ? e.meanStages === 3 : e.accuracy >= e.fullAccuracy);

    // Tabular cascade: the amount-only small model is wrong on the last row (see test/serve/thresholds.test.ts).
    const tabCsv = join(f.root, 'valid-tab.csv');
    await writeFile(tabCsv, ['amount,hour,channel,label', '900,3,web,fraud', '600,1,pos,fraud', '5,10,pos,legit', '20,12,web,legit', '210,11,atm,fraud', '180,12,atm,fraud'].join('\n'));
    const out2 = join(f.root, 'cascade.json');
    const r2 = await verde(['calibrate', '--cascade', `small=${f.tabularSmall},large=${f.tabular}`, '--data', tabCsv, '--max-accuracy-drop', '0', '--out', out2]);
    assert.equal(r2.code, 0, r2.stderr);
    const c = JSON.parse(await readFile(out2, 'utf8')).cascades[0];
    assert.equal(c.largeAccuracy, 1);
    assert.equal(c.accuracy, 1);
    assert.ok(Math.abs(c.smallShare - 4 / 6) < 1e-9, `small share ${c.smallShare}`);
    assert.match(r2.stdout, /small model answers 66\.7 %/);
    assert.ok(r2.stdout.includes(`--cascade-threshold ${c.threshold}\n`), r2.stdout);

    // Bad input: one line naming the flag, field or label; no output file.
    const out3 = join(f.root, 'never.json');
    const cases: [string[], RegExp][] = [
      [['--data', textCsv], /give --model DIR \(early exit\) and\/or --cascade/],
      [['--model', f.textExit, '--data', join(f.root, 'none.csv')], /none\.csv: file not found/],
      [['--model', f.textExit, '--data', textCsv, '--text-col', 'message'], /"label"/],
      [['--model', f.textExit, '--data', textCsv, '--text-col', 'message', '--label-col', 'truth', '--target-accuracy', '2'], /--target-accuracy: expected a probability/],
      [['--model', f.text, '--data', textCsv, '--text-col', 'message', '--label-col', 'truth'], /no "earlyExit" stages/],
    ];
    await writeFile(join(f.root, 'wrong-labels.csv'), 'message,truth\n"free cash",junk\n');
    cases.push([['--model', f.textExit, '--data', join(f.root, 'wrong-labels.csv'), '--text-col', 'message', '--label-col', 'truth'], /wrong-labels\.csv: record 1: field "truth" \(--label-col\) is "junk", not one of the model's labels/]);
    cases.push([['--cascade', `small=${f.text},large=${f.tabular}`, '--data', tabCsv], /the small model is text-classification but the large one is tabular-classification/]);
    for (const [args, message] of cases) {
      const r = await verde(['calibrate', ...args, '--out', out3]);
      assert.notEqual(r.code, 0, args.join(' '));
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(lines[0]!, message);
      assert.equal(existsSync(out3), false);
    }
  } finally {
    await f.cleanup();
  }
});
