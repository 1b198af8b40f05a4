import { UserError } from '../util/errors.js';
import { pushUrlProblem } from '../meter/outputs/pushgateway.js';

/**
 * --push URL of `verde measure`, `score` and `worker`: a Pushgateway address, refused when the flag
 * is parsed, before the job runs (a push itself never fails the job, so a typo found only at the end
 * would be a run whose metrics went nowhere).
 */
export function pushUrlFlag(value: string): string {
  const problem = pushUrlProblem(value);
  if (problem) throw new UserError(`--push ${value}: ${problem}`);
  return value;
}
