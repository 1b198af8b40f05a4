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

/**
 * A stop rule a search can declare before it starts, without knowing any other search's answer:
 * stop once `patience` trials in a row have not raised the best score by more than `minDelta`.
 */
export interface PatienceRule {
  patience: number;
  minDelta?: number;
}

/**
 * How many trials a search run under `rule` would have made: the 1-based count of the trial after
 * which the rule fires, or undefined if it never fires within these trials (the budget ran out first).
 * Trials are sequential, so a run stopped by the rule is exactly this prefix of a longer run.
 */
export function patienceStop(trials: readonly Trial[], rule: PatienceRule): number | undefined {
  if (!(Number.isInteger(rule.patience) && rule.patience >= 1)) throw new Error(`patience must be a whole number >= 1 (got ${rule.patience})`);
  const minDelta = rule.minDelta ?? 0;
  // As Keras' EarlyStopping: a gain smaller than minDelta is not an improvement and does not move the bar.
  let best = -Infinity;
  let sinceImprovement = 0;
  for (let i = 0; i < trials.length; i++) {
    if (i === 0 || trials[i].score - minDelta > best) {
      best = trials[i].score;
      sinceImprovement = 0;
    } else if (++sinceImprovement >= rule.patience) {
      return i + 1;
    }
  }
  return undefined;
}
