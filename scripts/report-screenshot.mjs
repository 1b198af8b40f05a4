#!/usr/bin/env node
// Screenshot of a verde report for the README, in Debian's Chromium through playwright-core (as the
// browser test does): node scripts/report-screenshot.mjs verde-out/report.html docs/report-screenshot.png
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [page = 'verde-out/report.html', out = 'docs/report-screenshot.png'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await tab.goto(pathToFileURL(resolve(page)).href);
  await tab.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
  await tab.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
