/**
 * PowerIntegral, the one power-to-energy integration both GPU meters use (NVML's power fallback and
 * nvidia-smi): trapezoids between readings, the last reading held until now, time never running back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PowerIntegral } from '../../src/meter/components/power-integral.js';

test('trapezoids between readings, the last reading held until now', () => {
  const p = new PowerIntegral(100, 0);
  assert.equal(p.energyJ(0), 0);
  p.add(200, 1000); // (100 + 200) / 2 W for 1 s
  assert.equal(p.energyJ(1000), 150);
  assert.equal(p.energyJ(3000), 150 + 200 * 2); // 200 W held for 2 s more
  assert.equal(p.lastWatts, 200);
  p.add(0, 500); // a reading stamped before the last one adds nothing
  assert.equal(p.energyJ(500), 150);
});
