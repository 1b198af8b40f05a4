/**
 * The layer order of src/ (.dependency-cruiser.cjs, docs/layout.md): dependency-cruiser over the
 * real tree must find no upward import, no import between peers of a layer, no import cycle and no
 * folder left out of the layers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const config = join(root, '.dependency-cruiser.cjs');
const { LAYERS, forbidden } = createRequire(import.meta.url)(config) as { LAYERS: string[][]; forbidden: { name: string }[] };

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

test('every folder of src/ has exactly one layer, and every layer below the top has a rule', () => {
  const folders = readdirSync(join(root, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const placed = LAYERS.flat();
  assert.deepEqual([...placed].sort(), folders, 'LAYERS in .dependency-cruiser.cjs must list each folder of src/ once');
  assert.equal(new Set(placed).size, placed.length);
  const names = new Set(forbidden.map((r) => r.name));
  for (const f of placed.slice(0, -1)) assert.ok(names.has(`layer-${f}`), `no rule for ${f}`);
  assert.ok(names.has('no-cycles'));
});

test('dependency-cruiser finds no upward import and no cycle in src/', () => {
  const bin = join(root, 'node_modules', '.bin', 'depcruise');
  const r = spawnSync(bin, ['src', '--config', config, '--output-type', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.ok(r.stdout, `depcruise printed nothing: ${r.stderr}`);
  const summary = JSON.parse(r.stdout).summary as { violations: Violation[]; totalCruised: number; totalDependenciesCruised: number };
  // the tree really was read (an empty cruise would pass every rule)
  assert.ok(summary.totalCruised > 200, `only ${summary.totalCruised} modules cruised`);
  assert.ok(summary.totalDependenciesCruised > 700);
  const lines = summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
  assert.deepEqual(lines, []);
});
