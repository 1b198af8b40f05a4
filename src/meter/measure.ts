/** measure(fn): run a function under a Tracker and return its result with the energy it took. */
import { Tracker } from './tracker.js';
import type { MeterOptions } from './options.js';
import type { EnergyReport } from './types.js';

export async function measure<T>(
  fn: () => Promise<T> | T,
  opts: MeterOptions = {},
): Promise<{ result: T; energy: EnergyReport }> {
  const tracker = new Tracker(opts);
  await tracker.start();
  try {
    const result = await fn();
    return { result, energy: await tracker.stop() };
  } catch (err) {
    await tracker.stop();
    throw err;
  }
}
