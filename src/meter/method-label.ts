/**
 * The one place a method label is written. A figure that is a share of a device counter says so
 * ("measured:rapl, attributed by CPU time"), and so does a device-wide figure that may include
 * other processes ("measured:nvml, whole device"); a modelled figure where nothing is apportioned
 * keeps its plain label ("modelled:tdp"). Labels never contain '+', which joins the methods of a
 * run ("measured:rapl, attributed by CPU time+modelled:ram").
 */
import type { Apportioning, EnergyMethod } from './types.js';

/** How a figure relates to the counter it came from, when it is not simply the counter itself. */
export type { Apportioning } from './types.js';

export function methodLabel(method: EnergyMethod | string, apportioned?: Apportioning): string {
  return apportioned ? `${method}, ${apportioned}` : method;
}

/** "a+b": the distinct labels, in order, "none" left out ("none" when nothing remains). */
export function joinMethodLabels(labels: Iterable<string>): string {
  const out = [...new Set([...labels].flatMap((l) => l.split('+')).filter((l) => l !== 'none' && l !== ''))];
  return out.length > 0 ? out.join('+') : 'none';
}
