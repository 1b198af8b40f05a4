/** bench-serve's admitted p99 under overload: a histogram quantile between two /metrics scrapes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { histogramQuantile } from '../../src/bench-serve/metrics-scrape.js';

const scrape = (counts: Record<string, number>) =>
  new Map(Object.entries(counts).map(([le, n]) => [`lat_bucket{model="m",le="${le}"}`, n]));

describe('histogramQuantile', () => {
  it('interpolates inside the bucket over the observations between the scrapes only', () => {
    const before = scrape({ '0.1': 100, '0.2': 100, '+Inf': 100 });
    // 100 new observations: 50 at or under 0.1 s, 50 in (0.1, 0.2].
    const after = scrape({ '0.1': 150, '0.2': 200, '+Inf': 200 });
    assert.ok(Math.abs(histogramQuantile(before, after, 'lat', 'model="m"', 0.99)! - 0.198) < 1e-9);
    assert.ok(Math.abs(histogramQuantile(before, after, 'lat', 'model="m"', 0.5)! - 0.1) < 1e-9);
  });

  it('says null without observations and the last finite bound beyond it', () => {
    const s = scrape({ '0.1': 5, '+Inf': 5 });
    assert.equal(histogramQuantile(s, s, 'lat', 'model="m"', 0.99), null);
    assert.equal(histogramQuantile(scrape({ '0.1': 0, '+Inf': 0 }), scrape({ '0.1': 0, '+Inf': 10 }), 'lat', 'model="m"', 0.99), 0.1);
  });
});
