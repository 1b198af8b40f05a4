/**
 * A fake /sys/class/powercap tree in a temp directory (fake at the edge of the machine: the meter
 * reads it exactly as it reads the real one, through the injectable sysfs root).
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeZone {
  id: string; // "intel-rapl:0" or "intel-rapl:0:2"
  name: string;
  energyUj: number;
  maxEnergyRangeUj: number;
}

export class FakeSysfs {
  readonly root: string;
  constructor(zones: FakeZone[]) {
    this.root = mkdtempSync(join(tmpdir(), 'verde-sysfs-'));
    mkdirSync(join(this.root, 'class', 'powercap', 'intel-rapl'), { recursive: true }); // the control-type dir, no counter
    for (const z of zones) {
      const dir = join(this.root, 'class', 'powercap', z.id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'name'), `${z.name}\n`);
      writeFileSync(join(dir, 'max_energy_range_uj'), `${z.maxEnergyRangeUj}\n`);
      this.set(z.id, z.energyUj);
    }
  }

  set(id: string, energyUj: number): void {
    writeFileSync(join(this.root, 'class', 'powercap', id, 'energy_uj'), `${energyUj}\n`);
  }

  path(id: string, file: string): string {
    return join(this.root, 'class', 'powercap', id, file);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Two packages, each with core, uncore and dram sub-zones, plus a psys platform zone. */
export function twoPackageTree(max = 262_143_328_850): FakeSysfs {
  const zones: FakeZone[] = [];
  for (const p of [0, 1]) {
    zones.push({ id: `intel-rapl:${p}`, name: `package-${p}`, energyUj: 1_000_000, maxEnergyRangeUj: max });
    zones.push({ id: `intel-rapl:${p}:0`, name: 'core', energyUj: 500_000, maxEnergyRangeUj: max });
    zones.push({ id: `intel-rapl:${p}:1`, name: 'uncore', energyUj: 100_000, maxEnergyRangeUj: max });
    zones.push({ id: `intel-rapl:${p}:2`, name: 'dram', energyUj: 2_000_000, maxEnergyRangeUj: max });
  }
  zones.push({ id: 'intel-rapl:2', name: 'psys', energyUj: 9_000_000, maxEnergyRangeUj: max });
  return new FakeSysfs(zones);
}
