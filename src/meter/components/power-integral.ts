/**
 * Energy from power readings of one device: the trapezoid rule between readings, and the last
 * reading held from when it was taken until now. Both GPU meters use it where a GPU has no energy
 * counter (NVML's power fallback, nvidia-smi's power.draw).
 */
export class PowerIntegral {
  private accJ = 0;

  constructor(
    private lastW: number,
    private lastT: number,
  ) {}

  /** The last reading, watts (nvidia-smi keeps it for a GPU missing from a later query). */
  get lastWatts(): number {
    return this.lastW;
  }

  /** Add a reading of `w` watts taken at `t` ms. */
  add(w: number, t: number): void {
    this.accJ += ((this.lastW + w) / 2) * Math.max(0, (t - this.lastT) / 1000);
    this.lastW = w;
    this.lastT = t;
  }

  /** Joules up to `nowMs`. */
  energyJ(nowMs: number): number {
    return this.accJ + this.lastW * Math.max(0, (nowMs - this.lastT) / 1000);
  }
}
