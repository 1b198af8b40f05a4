/**
 * What a hyper-parameter search returns, shared by TPE and grid search, and the bookkeeping of
 * "trials and energy to reach a target score" that the guide's Bayesian-vs-grid comparison needs.
 * Scores are maximised (validation PR-AUC in the fraud case).
 */
import type { Params } from './space.js';

/** An objective returns its score, and may return the energy the trial spent (joules) to be summed. */
export type ObjectiveResult = number | { score: number; energyJ?: number };
export type Objective = (params: Params, trialIndex: number) => Promise<ObjectiveResult> | ObjectiveResult;

export interface Trial {
  index: number;
  params: Params;
  score: number;
  energyJ?: number;
}

export interface SearchResult {
  method: 'tpe' | 'grid';
  trials: Trial[];
  best: Trial;
  /** 1-based count of trials run until the first score >= target; undefined if never reached. */
  trialsToTarget?: number;
  /** Sum of trial energies (J) up to and including that trial, when the objective reported energy. */
  energyToTargetJ?: number;
  totalEnergyJ?: number;
}

export function normaliseResult(r: ObjectiveResult): { score: number; energyJ?: number } {
  const out = typeof r === 'number' ? { score: r } : r;
  if (!Number.isFinite(out.score)) return { ...out, score: -Infinity }; // a failed trial never wins
  return out;
}

export function summarise(method: SearchResult['method'], trials: Trial[], target?: number): SearchResult {
  if (trials.length === 0) throw new Error(`${method}: no trials were run`);
  let best = trials[0];
  for (const t of trials) if (t.score > best.score) best = t;
  const withEnergy = trials.every((t) => typeof t.energyJ === 'number');
  const result: SearchResult = { method, trials, best };
  if (withEnergy) result.totalEnergyJ = trials.reduce((s, t) => s + (t.energyJ ?? 0), 0);
  if (target !== undefined) {
    const hit = trials.findIndex((t) => t.score >= target);
    if (hit >= 0) {
      result.trialsToTarget = hit + 1;
      if (withEnergy) result.energyToTargetJ = trials.slice(0, hit + 1).reduce((s, t) => s + (t.energyJ ?? 0), 0);
    }
  }
  return result;
}
