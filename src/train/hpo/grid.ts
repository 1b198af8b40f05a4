/**
 * Grid search: the plain counterpart of TPE. Numeric parameters take `pointsPerAxis` evenly spaced
 * values (log-spaced where the spec is log), categoricals all their choices; the Cartesian product
 * is tried in order. A grid cannot stop early on its own (it does not know its best until the end),
 * so it always runs in full; `target` only records when it first got there.
 */
import { checkSpace, fromUnit, type Params, type ParamValue, type SearchSpace } from './space.js';
import { normaliseResult, summarise, type Objective, type SearchResult, type Trial } from './search.js';

export interface GridOptions {
  pointsPerAxis?: number | Record<string, number>;
  target?: number;
  onTrial?: (trial: Trial) => void;
}

export function gridPoints(space: SearchSpace, pointsPerAxis: GridOptions['pointsPerAxis'] = 3): Params[] {
  checkSpace(space);
  const axes: [string, ParamValue[]][] = Object.entries(space).map(([name, p]) => {
    if (p.type === 'categorical') return [name, [...p.choices]];
    const k = typeof pointsPerAxis === 'number' ? pointsPerAxis : pointsPerAxis[name] ?? 3;
    const values = k <= 1 ? [fromUnit(p, 0.5)] : Array.from({ length: k }, (_, i) => fromUnit(p, i / (k - 1)));
    return [name, [...new Set(values)]];
  });
  let points: Params[] = [{}];
  for (const [name, values] of axes) points = points.flatMap((pt) => values.map((v) => ({ ...pt, [name]: v })));
  return points;
}

export async function gridSearch(space: SearchSpace, objective: Objective, opts: GridOptions = {}): Promise<SearchResult> {
  const trials: Trial[] = [];
  for (const params of gridPoints(space, opts.pointsPerAxis)) {
    const r = normaliseResult(await objective(params, trials.length));
    const trial: Trial = { index: trials.length, params, score: r.score, energyJ: r.energyJ };
    trials.push(trial);
    opts.onTrial?.(trial);
  }
  return summarise('grid', trials, opts.target);
}
