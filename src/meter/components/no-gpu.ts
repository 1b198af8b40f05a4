/** The GPU component when there is no GPU to measure: 0 J with method "none" and the reason. */
import type { ComponentMeter } from './component.js';

export class NoGpu implements ComponentMeter {
  readonly component = 'gpu' as const;
  readonly method = 'none' as const;
  constructor(readonly detail: string) {}
  sample(): void {}
  energyJ(): number {
    return 0;
  }
}
