/** The per-run JSON summary: the EnergyReport plus the derived units people quote (kWh, Wh, kg). */
import { writeJsonAtomic } from '../../util/atomic.js';
import type { EnergyReport } from '../types.js';

export interface JsonSummary extends EnergyReport {
  format: 'verde-energy-report/1';
  energyKWh: number;
  energyWh: number;
  co2eKg: number;
  units: Record<string, string>;
}

export function jsonSummary(r: EnergyReport): JsonSummary {
  return {
    format: 'verde-energy-report/1',
    ...r,
    energyKWh: r.energyJ / 3.6e6,
    energyWh: r.energyJ / 3600,
    co2eKg: r.co2eGrams / 1000,
    units: {
      durationS: 's',
      energyJ: 'J (PUE applied)',
      'components[].energyJ': 'J (before PUE)',
      'components[].meanPowerW': 'W (before PUE)',
      carbonIntensityGPerKWh: 'gCO2e/kWh',
      co2eGrams: 'gCO2e',
      waterLitres: 'L',
    },
  };
}

export async function writeJsonSummary(path: string, r: EnergyReport): Promise<void> {
  await writeJsonAtomic(path, jsonSummary(r));
}
