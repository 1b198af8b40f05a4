/**
 * Grid carbon intensity (gCO2e/kWh) for a run. Precedence: an explicit --carbon-intensity, then the
 * Electricity Maps live API (only with a token, falling back to the table when offline), then the
 * country table (Our World in Data, see intensity-table.ts), then the world default of 475 g/kWh
 * (IEA 2019, the default CodeCarbon and Green Algorithms use when the location is unknown).
 */
import { UserError } from '../../util/errors.js';
import { CARBON_INTENSITY_TABLE } from './intensity-table.js';
import { fetchElectricityMaps, electricityMapsZone, ELECTRICITYMAPS_TOKEN_ENV } from './electricity-maps.js';

export const WORLD_DEFAULT_G_PER_KWH = 475;

export interface CarbonIntensity {
  gPerKWh: number;
  /** "flag", "table:owid-2023", "electricitymaps:ES", "default:world (IEA 2019)". */
  source: string;
  countryIsoCode: string;
  countryName: string;
}

export interface CountryRow {
  isoCode: string;
  name: string;
  gPerKWh: number;
  year: number;
}

/** The table row for an ISO 3166-1 alpha-3 code (any case), or undefined. */
export function lookupCountry(code: string): CountryRow | undefined {
  const iso = code.trim().toUpperCase();
  const row = CARBON_INTENSITY_TABLE[iso];
  return row ? { isoCode: iso, name: row[0], gPerKWh: row[1], year: row[2] } : undefined;
}

/** Throws a one-line UserError for a code that is not in the table. */
export function requireCountry(code: string, flag = '--country'): CountryRow {
  const row = lookupCountry(code);
  if (!row) {
    const hint = /^[A-Za-z]{2}$/.test(code.trim()) ? ' (use the 3-letter code, e.g. ESP not ES)' : ' (e.g. ESP, FRA, USA)';
    throw new UserError(`${flag} ${code}: unknown ISO 3166-1 alpha-3 country code${hint}`);
  }
  return row;
}

/** Synchronous resolution without the live source: flag, table, or world default. */
export function carbonFromTable(opts: { country?: string; carbonIntensity?: number }): CarbonIntensity {
  const row = opts.country !== undefined ? requireCountry(opts.country) : undefined;
  const isoCode = row?.isoCode ?? '';
  const countryName = row?.name ?? '';
  if (opts.carbonIntensity !== undefined) {
    return { gPerKWh: opts.carbonIntensity, source: 'flag', countryIsoCode: isoCode, countryName };
  }
  if (row) return { gPerKWh: row.gPerKWh, source: `table:owid-${row.year}`, countryIsoCode: isoCode, countryName };
  return { gPerKWh: WORLD_DEFAULT_G_PER_KWH, source: 'default:world (IEA 2019)', countryIsoCode: '', countryName: 'World' };
}

/**
 * Full resolution: like carbonFromTable, but when a token is set in the environment and no explicit
 * intensity was given, asks Electricity Maps for the zone's latest figure; any failure (offline,
 * bad token, unknown zone) is reported through onNotice and the table figure is used.
 */
export async function resolveCarbon(
  opts: { country?: string; carbonIntensity?: number; env?: NodeJS.ProcessEnv; live?: boolean },
  onNotice: (m: string) => void = () => {},
  fetchImpl: typeof fetch = fetch,
): Promise<CarbonIntensity> {
  const fromTable = carbonFromTable(opts);
  const env = opts.env ?? process.env;
  const token = env[ELECTRICITYMAPS_TOKEN_ENV];
  if (opts.carbonIntensity !== undefined || !token || opts.live === false) return fromTable;
  const zone = electricityMapsZone(fromTable.countryIsoCode, env);
  if (!zone) {
    onNotice(`${ELECTRICITYMAPS_TOKEN_ENV} is set but no zone is known for country "${fromTable.countryIsoCode || 'none'}"; set --country or VERDE_ELECTRICITYMAPS_ZONE; using ${fromTable.source}`);
    return fromTable;
  }
  try {
    const g = await fetchElectricityMaps(zone, token, fetchImpl);
    return { ...fromTable, gPerKWh: g, source: `electricitymaps:${zone}` };
  } catch (err) {
    onNotice(`Electricity Maps unavailable (${(err as Error).message}); using ${fromTable.source}`);
    return fromTable;
  }
}
