/**
 * Optional live carbon intensity from the Electricity Maps API (https://api.electricitymap.org,
 * "carbon-intensity/latest"), used only when the user sets a token. Zones are mostly ISO 3166
 * alpha-2 codes; the map below covers common countries, VERDE_ELECTRICITYMAPS_ZONE sets any zone
 * (including sub-national ones such as US-CAL-CISO).
 */
export const ELECTRICITYMAPS_TOKEN_ENV = 'VERDE_ELECTRICITYMAPS_TOKEN';
export const ELECTRICITYMAPS_ZONE_ENV = 'VERDE_ELECTRICITYMAPS_ZONE';
const API = 'https://api.electricitymap.org/v3/carbon-intensity/latest';

const ISO3_TO_ZONE: Record<string, string> = {
  ESP: 'ES', PRT: 'PT', FRA: 'FR', DEU: 'DE', ITA: 'IT', GBR: 'GB', IRL: 'IE', NLD: 'NL', BEL: 'BE',
  LUX: 'LU', CHE: 'CH', AUT: 'AT', POL: 'PL', CZE: 'CZ', SVK: 'SK', HUN: 'HU', ROU: 'RO', BGR: 'BG',
  GRC: 'GR', HRV: 'HR', SVN: 'SI', DNK: 'DK', SWE: 'SE', NOR: 'NO', FIN: 'FI', EST: 'EE', LVA: 'LV',
  LTU: 'LT', ISL: 'IS', USA: 'US', CAN: 'CA', MEX: 'MX', BRA: 'BR', ARG: 'AR', CHL: 'CL', COL: 'CO',
  PER: 'PE', URY: 'UY', AUS: 'AU', NZL: 'NZ', JPN: 'JP', KOR: 'KR', CHN: 'CN', IND: 'IN', SGP: 'SG',
  TWN: 'TW', ZAF: 'ZA', MAR: 'MA', TUR: 'TR', ISR: 'IL', ARE: 'AE', SAU: 'SA',
};

export function electricityMapsZone(iso3: string, env: NodeJS.ProcessEnv): string | undefined {
  return env[ELECTRICITYMAPS_ZONE_ENV] || ISO3_TO_ZONE[iso3];
}

/** Latest gCO2e/kWh for the zone; throws on any failure (the caller falls back to the table). */
export async function fetchElectricityMaps(zone: string, token: string, fetchImpl: typeof fetch = fetch): Promise<number> {
  const res = await fetchImpl(`${API}?zone=${encodeURIComponent(zone)}`, {
    headers: { 'auth-token': token },
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { carbonIntensity?: unknown };
  const g = Number(body.carbonIntensity);
  if (!Number.isFinite(g) || g < 0) throw new Error('response has no carbonIntensity');
  return g;
}
