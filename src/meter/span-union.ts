/**
 * The energy inside at least one span, each instant counted once, so that a run's spans can be
 * shown as a breakdown that adds up: spans (their union) + outside every span = the run's total.
 * Spans that overlap (concurrent requests) each report their whole window, so their plain sum can
 * exceed the total; the union cannot.
 *
 * Each finished span is an interval of (time, cumulative joules) snapshots of the same tracker;
 * overlapping intervals merge, and the energy of a merged interval is the cumulative reading at
 * its latest end minus the one at its earliest start. Intervals that end before every open span
 * began can never merge again and are folded into one number, so memory stays bounded.
 */
export interface Mark {
  t: number;
  /** Cumulative joules of the tracker at t (PUE applied). */
  j: number;
}

interface Interval {
  s: Mark;
  e: Mark;
}

export class SpanUnion {
  private folded = 0;
  private intervals: Interval[] = []; // disjoint, sorted by start
  private readonly open = new Map<object, number>(); // span -> start time

  opened(span: object, at: Mark): void {
    this.open.set(span, at.t);
  }

  closed(span: object, s: Mark, e: Mark): void {
    if (!this.open.delete(span)) return; // ended twice
    let merged: Interval = { s, e };
    const keep: Interval[] = [];
    for (const iv of this.intervals) {
      if (iv.e.t < merged.s.t || iv.s.t > merged.e.t) keep.push(iv);
      else merged = { s: iv.s.t < merged.s.t ? iv.s : merged.s, e: iv.e.t > merged.e.t ? iv.e : merged.e };
    }
    keep.push(merged);
    keep.sort((a, b) => a.s.t - b.s.t);
    // Fold what no open or future span can overlap: intervals ending before the earliest open start.
    const horizon = Math.min(e.t, ...this.open.values());
    this.intervals = keep.filter((iv) => {
      if (iv.e.t >= horizon) return true;
      this.folded += iv.e.j - iv.s.j;
      return false;
    });
  }

  /** Joules inside at least one finished span. */
  joules(): number {
    return this.intervals.reduce((a, iv) => a + (iv.e.j - iv.s.j), this.folded);
  }
}
