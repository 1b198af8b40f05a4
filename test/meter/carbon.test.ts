import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { carbonFromTable, lookupCountry, requireCountry, resolveCarbon, WORLD_DEFAULT_G_PER_KWH } from '../../src/meter/index.js';
import { CARBON_INTENSITY_TABLE } from '../../src/meter/carbon/intensity-table.js';
import { UserError } from '../../src/util/errors.js';

test('table: Spain 174.05 (OWID 2023), any case; the figures design/energy-measurement.md quotes', () => {
  assert.deepEqual(lookupCountry('esp'), { isoCode: 'ESP', name: 'Spain', gPerKWh: 174.05, year: 2023 });
  const c = carbonFromTable({ country: 'ESP' });
  assert.equal(c.gPerKWh, 174.05);
  assert.equal(c.source, 'table:owid-2023');
  const quoted: Record<string, number> = { FRA: 56.04, DEU: 380.95, USA: 369.47, CHN: 582.32, IND: 713.44, POL: 661.93, SWE: 40.69, NOR: 30.08, GBR: 237.59 };
  for (const [iso, g] of Object.entries(quoted)) assert.ok(Math.abs(lookupCountry(iso)!.gPerKWh - g) < 0.01, iso);
});

test('table matches the shared OWID CSV row for row, with the year of each row', (t) => {
  const path = new URL('../../../../shared/data/carbon-intensity.csv', import.meta.url);
  if (!existsSync(path)) {
    t.skip('shared/data/carbon-intensity.csv not present (fresh clone): the table is already generated');
    return;
  }
  const csv = readFileSync(path, 'utf8').trim().split(/\r?\n/).slice(1);
  assert.equal(Object.keys(CARBON_INTENSITY_TABLE).length, csv.length);
  for (const line of csv) {
    const fields = line.split(',');
    const row = CARBON_INTENSITY_TABLE[fields[0]];
    assert.ok(row, fields[0]);
    assert.equal(row[1], Number(fields.at(-2)), fields[0]);
    assert.equal(row[2], Number(fields.at(-1)), fields[0]);
  }
});

test('world default 475 when no country is given', () => {
  const c = carbonFromTable({});
  assert.equal(c.gPerKWh, WORLD_DEFAULT_G_PER_KWH);
  assert.equal(WORLD_DEFAULT_G_PER_KWH, 475);
  assert.match(c.source, /^default:world/);
});

test('--carbon-intensity wins over --country and keeps the country for the CSV', () => {
  const c = carbonFromTable({ country: 'FRA', carbonIntensity: 174 });
  assert.equal(c.gPerKWh, 174);
  assert.equal(c.source, 'flag');
  assert.equal(c.countryIsoCode, 'FRA');
});

test('unknown country code: one-line UserError naming the flag; a 2-letter code gets a hint', () => {
  assert.throws(() => requireCountry('XYZ'), (e: unknown) => e instanceof UserError && /^--country XYZ: unknown ISO 3166-1 alpha-3/.test(e.message) && !e.message.includes('\n'));
  assert.throws(() => carbonFromTable({ country: 'ES' }), /use the 3-letter code, e\.g\. ESP/);
});

test('Electricity Maps: used with a token (fetch faked: the network is the edge), table on failure', async () => {
  const env = { VERDE_ELECTRICITYMAPS_TOKEN: 't0k' };
  const seen: string[] = [];
  const ok = (async (url: string, init: RequestInit) => {
    seen.push(`${url} ${(init.headers as Record<string, string>)['auth-token']}`);
    return new Response(JSON.stringify({ zone: 'ES', carbonIntensity: 123 }), { status: 200 });
  }) as unknown as typeof fetch;
  const live = await resolveCarbon({ country: 'ESP', env }, () => {}, ok);
  assert.deepEqual([live.gPerKWh, live.source], [123, 'electricitymaps:ES']);
  assert.deepEqual(seen, ['https://api.electricitymap.org/v3/carbon-intensity/latest?zone=ES t0k']);

  const notices: string[] = [];
  const offline = (async () => {
    throw new TypeError('fetch failed');
  }) as unknown as typeof fetch;
  const fallback = await resolveCarbon({ country: 'ESP', env }, (m) => notices.push(m), offline);
  assert.deepEqual([fallback.gPerKWh, fallback.source], [174.05, 'table:owid-2023']);
  assert.match(notices[0], /Electricity Maps unavailable \(fetch failed\); using table:owid-2023/);

  // No token: never calls out.
  const none = await resolveCarbon({ country: 'ESP', env: {} }, () => {}, offline);
  assert.equal(none.source, 'table:owid-2023');
  // An explicit intensity wins over the live source.
  assert.equal((await resolveCarbon({ country: 'ESP', carbonIntensity: 50, env }, () => {}, ok)).source, 'flag');
});
