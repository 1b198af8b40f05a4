/** Spans as a breakdown that adds up: their union (each instant once) + outside every span = the total. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanUnion } from '../../src/meter/span-union.js';
import { Tracker } from '../../src/meter/index.js';

test('SpanUnion: overlapping spans count their shared window once; disjoint ones add', () => {
  const u = new SpanUnion();
  const a = {}, b = {}, c = {};
  // cumulative joules: 10 J per second from t=0
  const m = (t: number) => ({ t, j: 10 * t });
  u.opened(a, m(0));
  u.opened(b, m(1));
  u.closed(a, m(0), m(2)); // [0,2]
  u.closed(b, m(1), m(3)); // [1,3] overlaps: union [0,3] = 30 J, not 20 + 20
  assert.equal(u.joules(), 30);
  u.opened(c, m(5));
  u.closed(c, m(5), m(6)); // disjoint: +10 J
  assert.equal(u.joules(), 40);
  u.closed(c, m(5), m(6)); // ended twice: ignored
  assert.equal(u.joules(), 40);
});

test('Tracker: overlapping spans sum to more than the run, their union plus the outside equals it', async () => {
  const t = new Tracker({ scope: 'process', sysfsRoot: '/nonexistent', nvml: false, nvidiaSmi: false, tdpW: 8, intervalMs: 50, onNotice: () => {} });
  await t.start();
  const spin = (ms: number) => { const s = Date.now(); while (Date.now() - s < ms); };
  spin(100); // outside every span
  const a = t.startSpan('a');
  spin(150);
  const b = t.startSpan('b');
  spin(150);
  const ra = await a.end();
  spin(150);
  const rb = await b.end();
  spin(100); // outside again
  const r = await t.stop();
  assert.ok(r.spanUnionJ !== undefined && r.outsideSpansJ !== undefined);
  assert.ok(ra.energyJ + rb.energyJ > r.spanUnionJ! * 1.2, `spans ${ra.energyJ + rb.energyJ} vs union ${r.spanUnionJ}`);
  assert.ok(Math.abs(r.spanUnionJ! + r.outsideSpansJ! - r.energyJ) < 1e-9);
  assert.ok(r.outsideSpansJ! > 0.1 * r.energyJ, `outside ${r.outsideSpansJ} of ${r.energyJ}`);
  assert.ok(r.spanUnionJ! >= Math.max(ra.energyJ, rb.energyJ));
});
