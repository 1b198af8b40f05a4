/** The server's Prometheus registry: one series per label set whatever the key order, text format. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from '../../src/serve/metrics.js';

describe('serve metrics', () => {
  it('counts a label set once whatever the order of its keys, and keeps different values apart', () => {
    const c = new Counter('verde_test_total', 'test');
    c.inc({ model: 'a', code: '200' });
    c.inc({ code: '200', model: 'a' }, 2);
    c.inc({ model: 'a', code: '429' });
    c.inc({ model: 'a\u0000', code: '200' });
    assert.equal(c.get({ code: '200', model: 'a' }), 3);
    assert.equal(c.get({ model: 'a', code: '429' }), 1);
    assert.equal(c.sum({ model: 'a' }), 4);
    assert.equal(c.lines().length, 3, "three series: (a, 200), (a, 429), (a\\u0000, 200)");
  });

  it('renders cumulative histogram buckets and escaped label values', () => {
    const r = new Registry();
    const h = r.add(new Histogram('verde_test_seconds', 'test', [0.1, 1]));
    h.observe({ model: 'say "hi"' }, 0.05);
    h.observe({ model: 'say "hi"' }, 0.5);
    h.observe({ model: 'say "hi"' }, 5);
    const text = r.render();
    assert.match(text, /^verde_test_seconds_bucket\{model="say \\"hi\\"",le="0.1"\} 1$/m);
    assert.match(text, /^verde_test_seconds_bucket\{model="say \\"hi\\"",le="1"\} 2$/m);
    assert.match(text, /^verde_test_seconds_bucket\{model="say \\"hi\\"",le="\+Inf"\} 3$/m);
    assert.match(text, /^verde_test_seconds_count\{model="say \\"hi\\""\} 3$/m);
  });
});
