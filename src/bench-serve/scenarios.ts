/**
 * bench-serve's scenarios, each one `verde serve` child: batch-1 vs dynamic batching, cache off/on
 * (16 repeated inputs), early exit off/on and cascade off/on (when those models are given), all on
 * the same common server flags so that only the lever under test differs.
 */
import type { ModelManifest } from '../registry/manifest.js';
import { requestBodies } from './bench-inputs.js';
import type { Scenario } from './level.js';
import type { BenchOptions } from './options.js';

export function scenarios(o: BenchOptions, m: ModelManifest, exitM: ModelManifest | null, smallM: ModelManifest | null): Scenario[] {
  const distinct = requestBodies(m, 5000, 1);
  const repeated = requestBodies(m, 16, 2);
  const common = ['--workers', String(o.workers), '--threads', String(o.threads), '--max-queue', '4096', '--max-queue-delay-ms', String(o.maxQueueDelayMs)];
  const dyn = ['--max-batch-size', String(o.maxBatchSize)];
  const list: Scenario[] = [
    { name: 'batch-1', group: 'batching', modelDir: o.model, flags: [...common, '--max-batch-size', '1', '--cache', 'off', '--exit-threshold', 'off'], target: m.name, bodies: distinct },
    { name: `dynamic-${o.maxBatchSize}`, group: 'batching', modelDir: o.model, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: m.name, bodies: distinct },
    { name: 'cache-off (16 repeated inputs)', group: 'cache', modelDir: o.model, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: m.name, bodies: repeated },
    { name: 'cache-on (16 repeated inputs)', group: 'cache', modelDir: o.model, flags: [...common, ...dyn, '--cache', 'lru', '--exit-threshold', 'off'], target: m.name, bodies: repeated },
  ];
  if (exitM && o.exitModel) {
    const b = requestBodies(exitM, 5000, 3);
    list.push(
      { name: 'early-exit-off', group: 'early exit', modelDir: o.exitModel, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: exitM.name, bodies: b },
      { name: 'early-exit-on', group: 'early exit', modelDir: o.exitModel, flags: [...common, ...dyn, '--cache', 'off'], target: exitM.name, bodies: b },
    );
  }
  if (smallM && o.small && o.large) {
    const b = requestBodies(smallM, 5000, 4);
    list.push(
      { name: 'cascade-off (large only)', group: 'cascade', modelDir: o.large, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: '', bodies: b },
      { name: 'cascade-on', group: 'cascade', flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off', '--cascade', `small=${o.small},large=${o.large},name=bench-cascade`], target: 'bench-cascade', bodies: b },
    );
  }
  return list;
}
