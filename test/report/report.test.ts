/**
 * `verde report` on a store filled by real runs: a tiny `verde text` (five variants) and a small
 * `verde fraud` (four GBDT models), both through the CLI as child processes. Checks the files
 * (HTML self-contained, Markdown, JSON, label.svg, the model cards), the one-line errors, and then
 * the page as a person sees it in Debian's Chromium (driven by playwright-core, no browser
 * download): no console errors, no network requests, every chart drawn with marks, the table sorts
 * on click, the label letters on the page are those of the JSON. Saves a screenshot.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { energyLabel } from '../../src/registry/energy-label.js';
import { verde } from '../store/helpers.js';
import { reviewsCsv } from '../fixtures/reviews.js';

const CHROMIUM = '/usr/bin/chromium';
const here = dirname(fileURLToPath(import.meta.url));
/** dist/test-output/report/: where the screenshot is kept after the run. */
const OUTPUT = resolve(here, '..', '..', 'test-output', 'report');

let dir: string;
let store: string;


before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verde-report-'));
  store = join(dir, 'runs.db');
  await writeFile(join(dir, 'reviews.csv'), reviewsCsv(80));
  const text = await verde(['text', '--classes', 'transformer', '--data', join(dir, 'reviews.csv'), '--layers', '1', '--dim', '16', '--heads', '2', '--hidden-dim', '32', '--max-length', '32',
    '--train-size', '40', '--test-size', '20', '--epochs', '1', '--country', 'ESP', '--out', join(dir, 'text'), '--store', store]);
  assert.equal(text.code, 0, text.stderr);
  const fraud = await verde(['fraud', '--rows', '10000', '--clients', '2', '--skip', 'minimisation', 'hpo', 'active-learning', 'distillation', 'transfer', 'federated', 'batching', 'gbdt-vs-mlp',
    '--country', 'ESP', '--out', join(dir, 'fraud'), '--store', store]);
  assert.equal(fraud.code, 0, fraud.stderr);
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('html, md and json reports of the two runs; label.svg; nothing left half-written', async () => {
  const html = join(dir, 'out', 'report.html');
  const r = await verde(['report', '--store', store, '--last', '2', '--out', html]);
  assert.equal(r.code, 0, r.stderr);
  const page = await readFile(html, 'utf8');
  assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)[^"'\s)]*\.(js|css)/, 'no external script or stylesheet');
  assert.ok(page.includes('echarts'), 'the chart library is inlined');
  assert.ok(existsSync(join(dir, 'out', 'label.svg')));
  assert.deepEqual((await readdir(join(dir, 'out'))).filter((f) => f.endsWith('.tmp')), []);
  const json = join(dir, 'out', 'report.json');
  assert.equal((await verde(['report', '--store', store, '--last', '2', '--format', 'json', '--out', json])).code, 0);
  const d = JSON.parse(await readFile(json, 'utf8'));
  assert.equal(d.runs.length, 2);
  assert.equal(d.variants.length, 9);
  assert.deepEqual(d.labelBands.edges['text-classification'], [1, 10, 100, 1000, 10000, 100000]);
  for (const v of d.variants) {
    assert.equal(v.label.letter, energyLabel(v.energyJPerInference, v.task)!.letter, `${v.name}: label from its own J/inference`);
    assert.ok(v.sciPerInference.sci > 0 && v.sciPerInference.modelledTerms.some((t: string) => t.startsWith('E (modelled')), 'modelled energy flagged in the SCI');
  }
  assert.ok(d.variants.some((v: { pareto: boolean; task: string }) => v.pareto && v.task === 'text-classification'));
  assert.ok(d.variants.some((v: { pareto: boolean; task: string }) => v.pareto && v.task === 'tabular-classification'));
  const phases = d.phases.find((p: { label: string }) => p.label.startsWith('text'));
  assert.ok(phases.byPhase.training > 0 && phases.byPhase.compression > 0 && phases.byPhase.evaluation > 0);
  const md = join(dir, 'out', 'report.md');
  assert.equal((await verde(['report', '--store', store, '--last', '2', '--format', 'md', '--out', md])).code, 0);
  assert.match(await readFile(md, 'utf8'), /## Winner per criterion[\s\S]*\| text-classification \| least energy per inference \|/);
});

test('every model directory carries a Hugging Face model card with the run\'s figures and its label', async () => {
  for (const [root, task] of [[join(dir, 'text', 'models'), 'text-classification'], [join(dir, 'fraud', 'models'), 'tabular-classification']] as const) {
    const names = await readdir(root);
    assert.ok(names.length >= 4);
    for (const n of names) {
      const card = await readFile(join(root, n, 'README.md'), 'utf8');
      const yaml = /^---\n([\s\S]*?)\n---\n/.exec(card)?.[1] ?? '';
      assert.match(yaml, new RegExp(`pipeline_tag: ${task}`));
      assert.match(yaml, /co2_eq_emissions:\n  emissions: [0-9.e-]+\n  source: "verde \(modelled:tdp\+modelled:ram; 174\.1 gCO2e\/kWh, table:owid-2023\)"\n  training_type: "(pre-training|fine-tuning)"\n  geographical_location: "Spain"\n  hardware_used: ".+"/);
      assert.match(yaml, task === 'text-classification' ? /- type: accuracy\n            value: [0-9.]+/ : /- type: pr_auc\n            value: [0-9.]+/);
      const letter = /!\[energy label ([A-G])\]\(label\.svg\)/.exec(card)?.[1];
      assert.ok(letter, `${n}: label in the card`);
      assert.match(await readFile(join(root, n, 'label.svg'), 'utf8'), new RegExp(`aria-label="energy label ${letter}"`));
      assert.match(card, /## Lineage[\s\S]*technique: /);
    }
  }
});

test('bad input: empty store, unknown run id, bad format: one line, exit 2, no report written', async () => {
  const empty = join(dir, 'empty.db');
  const { openStore } = await import('../../src/store/index.js');
  openStore(empty).close();
  const cases: [string[], RegExp][] = [
    [['--store', empty], /empty\.db: the run store is empty/],
    [['--store', store, '--runs', 'no-such-run'], /--runs no-such-run: no such run/],
    [['--store', store, '--format', 'pdf'], /--format: "pdf" must be html, md or json/],
  ];
  for (const [args, expected] of cases) {
    const out = join(dir, 'bad', 'report.html');
    const r = await verde(['report', ...args, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(out));
  }
});

test('the page in a real browser: no errors, no network, charts drawn, table sorts, labels match the JSON', { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (Debian package chromium; .ci/run installs it)` }, async () => {
  const html = join(dir, 'browser', 'report.html');
  assert.equal((await verde(['report', '--store', store, '--last', '2', '--out', html])).code, 0);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(html).href;
    await page.goto(url);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [url], 'the page itself is the only request');
    for (const id of ['chart-pareto', 'chart-phases', 'chart-grids', 'chart-trends']) {
      const marks = await page.locator(`#${id} svg path`).count();
      const box = await page.locator(`#${id} svg`).boundingBox();
      assert.ok(marks >= 10, `${id}: ${marks} SVG paths`);
      assert.ok(box && box.width > 300 && box.height > 200, `${id}: drawn at ${JSON.stringify(box)}`);
    }
    // One scatter point per variant with quality and energy (9), plus the front's diamonds.
    const scatter = await page.locator('#chart-pareto svg path[d]').count();
    assert.ok(scatter >= 9);
    // Sort by J/inference: ascending, then descending on a second click.
    const col = await page.locator('#variants-table th', { hasText: 'J/inference' }).getAttribute('data-col');
    const values = async () => page.$$eval(`#variants-table tbody tr td:nth-child(${Number(col) + 1})`, (tds) => tds.map((td) => Number(td.getAttribute('data-v'))));
    await page.click('#variants-table th:has-text("J/inference")');
    const asc = await values();
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    await page.click('#variants-table th:has-text("J/inference")');
    const desc = await values();
    assert.deepEqual(desc, [...asc].sort((a, b) => b - a));
    // Letters on the page (table and badges) against the embedded JSON.
    const data = JSON.parse((await page.locator('#verde-data').textContent())!);
    const shown = await page.$$eval('span.label[data-variant]', (els) => els.map((e) => [e.getAttribute('data-variant'), e.textContent]));
    assert.equal(shown.length, data.variants.length * 2);
    for (const [key, letter] of shown) {
      const v = data.variants.find((x: { runId: string; name: string }) => `${x.runId}/${x.name}` === key);
      assert.equal(letter, v.label.letter, String(key));
    }
    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'report-screenshot.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
