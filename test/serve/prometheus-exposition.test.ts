/**
 * /metrics of a real `verde serve` follows Prometheus's text format and naming: checked strictly
 * here (HELP and TYPE for every family, before its samples, families contiguous, valid names,
 * labels and values, counters and only counters ending in `_total`, energy in joules with
 * `component` and `method` labels), and parsed by a real Prometheus parser: the exposition is
 * pushed to a real prometheus-pushgateway (which rejects text it cannot parse or whose families are
 * inconsistent, with 400) and read back with its types. No promtool or Python Prometheus client is
 * installed on this machine; the Pushgateway test is skipped with a message where its binary is missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { fixture, postJson, request, type Fixture } from './helpers.js';
import { methodOf, scrape } from '../../src/bench-serve/metrics-scrape.js';
import { hasPushgateway, startPushgateway } from '../fixtures/servers.js';


const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
/** One label pair; the value allows only the format's escapes (\\, \" and \n). */
const LABEL_PAIR = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;

interface Family {
  help?: string;
  type?: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

/** A strict reader of the text exposition format 0.0.4: throws on anything out of place. */
function parseExposition(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = new Map<string, Family>();
  let current: string | null = null;
  const open = (name: string): Family => {
    if (current !== name) {
      assert.ok(!families.has(name), `family ${name} appears twice (families must be contiguous)`);
      families.set(name, { samples: [] });
      current = name;
    }
    return families.get(name)!;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [name, ...help] = line.slice(7).split(' ');
      assert.match(name!, NAME, line);
      const f = open(name!);
      assert.equal(f.help, undefined, `two HELP lines for ${name}`);
      assert.ok(f.samples.length === 0, `HELP of ${name} after its samples`);
      f.help = help.join(' ');
      assert.ok(f.help.length > 0, `empty HELP for ${name}`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type, ...rest] = line.slice(7).split(' ');
      assert.equal(rest.length, 0, line);
      const f = open(name!);
      assert.equal(f.type, undefined, `two TYPE lines for ${name}`);
      assert.ok(f.samples.length === 0, `TYPE of ${name} after its samples`);
      assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type!), line);
      f.type = type;
      continue;
    }
    assert.ok(!line.startsWith('#') && line.trim() !== '', `unexpected line: ${JSON.stringify(line)}`);
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const name = m[1]!;
    const f = families.get(current ?? '');
    assert.ok(f && current, `sample before any family: ${line}`);
    const suffixes = f.type === 'histogram' ? ['_bucket', '_sum', '_count'] : f.type === 'summary' ? ['', '_sum', '_count'] : [''];
    assert.ok(suffixes.some((s) => name === current + s), `sample ${name} outside its family (${current}, ${f.type})`);
    const labels: Record<string, string> = {};
    let rest = m[3] ?? '';
    while (rest.length > 0) {
      const p = LABEL_PAIR.exec(rest);
      assert.ok(p, `bad labels in: ${line}`);
      assert.match(p[1]!, LABEL_NAME);
      assert.ok(!(p[1]! in labels), `label ${p[1]} twice in: ${line}`);
      labels[p[1]!] = p[2]!;
      rest = rest.slice(p[0].length);
    }
    const v = m[4]!;
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v === 'NaN' ? NaN : Number(v);
    assert.ok(v === 'NaN' || !Number.isNaN(value), `bad value in: ${line}`);
    f.samples.push({ name, labels, value });
  }
  for (const [name, f] of families) {
    assert.ok(f.help !== undefined && f.type !== undefined, `${name} lacks HELP or TYPE`);
  }
  return families;
}

describe('/metrics of verde serve: Prometheus format and naming', () => {
  let f: Fixture;
  let s: RunningServer;
  let text: string;

  before(async () => {
    f = await fixture();
    s = await createServer({ models: [f.text, f.tabular], port: 0, maxQueueDelayMs: 5 });
    const p = await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 900, hour: 3, channel: 'web' }] });
    assert.equal(p.status, 200, p.text);
    const i = await postJson(`${s.url}/v2/models/text/infer`, { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['free cash now'] }] });
    assert.equal(i.status, 200, i.text);
    const fb = await postJson(`${s.url}/v1/models/fraud:feedback`, { id: p.headers.get('x-request-id'), labels: ['fraud'] });
    assert.equal(fb.status, 200, fb.text);
    text = (await request(`${s.url}/metrics`)).text;
  });
  after(async () => {
    await s?.close();
    await f?.cleanup();
  });

  it('is valid text exposition, counters and only counters named _total', () => {
    const families = parseExposition(text);
    assert.ok(families.size > 10);
    for (const [name, fam] of families) {
      if (fam.type === 'counter') assert.match(name, /_total$/, `counter ${name} must end in _total`);
      else assert.doesNotMatch(name, /_total$/, `${fam.type} ${name} must not end in _total`);
      assert.doesNotMatch(name, /_(milliseconds|kilojoules|kwh|microjoules|ms)(_|$)/, `${name}: base units (seconds, joules)`);
    }
  });

  it('reports energy as _joules_total counters with component and method, per model where it applies', () => {
    const families = parseExposition(text);
    const energy = [...families].filter(([name]) => /_joules_total$/.test(name));
    assert.deepEqual(energy.map(([n]) => n).sort(), ['verde_energy_joules_total', 'verde_feedback_energy_joules_total', 'verde_process_energy_joules_total', 'verde_process_energy_parts_joules_total']);
    for (const [name, fam] of energy) {
      assert.equal(fam.type, 'counter', name);
      assert.ok(fam.samples.length > 0, `${name} has samples`);
      for (const smp of fam.samples) {
        assert.ok(['cpu', 'ram', 'gpu'].includes(smp.labels.component ?? ''), `${name}: component label in ${JSON.stringify(smp.labels)}`);
        assert.ok((smp.labels.method ?? '').length > 0, `${name}: method label`);
        assert.ok(smp.value >= 0 && Number.isFinite(smp.value), `${name} ${smp.value}`);
      }
    }
    const perModel = families.get('verde_energy_joules_total')!.samples;
    assert.deepEqual(perModel.map((x) => x.labels.model).sort(), ['fraud', 'text']);
    for (const x of perModel) assert.ok(x.value > 0, `inference energy of ${x.labels.model}`);
    const proc = families.get('verde_process_energy_joules_total')!.samples;
    assert.deepEqual(proc.map((x) => x.labels.component).sort(), ['cpu', 'gpu', 'ram']);
    // The parts add up to the process total, component by component.
    const parts = families.get('verde_process_energy_parts_joules_total')!.samples;
    for (const c of ['cpu', 'ram', 'gpu']) {
      const whole = proc.find((x) => x.labels.component === c)!.value;
      const sum = parts.filter((x) => x.labels.component === c).reduce((a, x) => a + x.value, 0);
      assert.ok(Math.abs(whole - sum) <= 1e-9 * Math.max(1, whole), `${c}: parts ${sum} vs process ${whole}`);
    }
  });

  it("bench-serve's scrape reads the process energy's methods off the component series", async () => {
    const method = methodOf(await scrape(s.url));
    assert.match(method, /^(measured|modelled):/);
    assert.ok(!method.split('+').includes('none'), method);
    const families = parseExposition(text);
    for (const x of families.get('verde_process_energy_joules_total')!.samples) {
      if (x.labels.method !== 'none') for (const part of x.labels.method!.split('+')) assert.ok(method.split('+').includes(part), `${part} in ${method}`);
    }
  });

  it('is accepted and read back by a real Prometheus Pushgateway', { skip: hasPushgateway ? false : 'prometheus-pushgateway not installed (apt-get install prometheus-pushgateway)' }, async () => {
    const gw = await startPushgateway();
    try {
      const base = gw.url;
      const put = await fetch(`${base}/metrics/job/verde-serve`, { method: 'PUT', headers: { 'content-type': 'text/plain; version=0.0.4' }, body: text });
      assert.equal(put.status, 200, `the Pushgateway refused the exposition: ${await put.text()}`);
      const back = (await (await fetch(`${base}/api/v1/metrics`)).json()) as { data: Array<Record<string, { metrics: unknown[]; type: string } | unknown>> };
      const group = back.data[0]!;
      const type = (n: string) => (group[n] as { type: string } | undefined)?.type;
      assert.equal(type('verde_energy_joules_total'), 'COUNTER');
      assert.equal(type('verde_process_energy_joules_total'), 'COUNTER');
      assert.equal(type('verde_batch_size'), 'HISTOGRAM');
      assert.equal(type('verde_request_latency_seconds'), 'SUMMARY');
      assert.equal(type('verde_queue_depth'), 'GAUGE');
    } finally {
      await gw.stop();
    }
  });
});
