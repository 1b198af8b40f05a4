/**
 * Progress bars for long work (training epochs, data generation, benchmarks), on stderr so that
 * stdout stays clean for results and --json. On a TTY: a live cli-progress bar with ETA. Elsewhere
 * (CI, pipes, tests): one plain line at most every few seconds, so logs stay readable.
 * VERDE_QUIET=1 silences them.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Advance to `value` (absolute), optionally updating the named fields shown after the bar. */
  update(value: number, fields?: Record<string, string | number>): void;
  increment(by?: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(label: string, total: number, fieldNames: string[] = []): Progress {
  if (process.env.VERDE_QUIET === '1') return { update() {}, increment() {}, stop() {} };
  const fieldFmt = fieldNames.map((f) => ` ${f} {${f}}`).join('');
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}${fieldFmt}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const blank = Object.fromEntries(fieldNames.map((f) => [f, '-']));
    bar.start(total, 0, blank);
    let value = 0;
    return {
      update(v, fields) { value = v; bar.update(v, fields); },
      increment(by = 1, fields) { value += by; bar.update(value, fields); },
      stop() { bar.stop(); },
    };
  }
  // Plain mode: a line every 5 s and one at the end.
  const started = Date.now();
  let last = 0;
  let value = 0;
  let fieldsNow: Record<string, string | number> = {};
  const line = () => {
    const pct = total > 0 ? Math.round((100 * value) / total) : 100;
    const el = (Date.now() - started) / 1000;
    const eta = value > 0 ? ((total - value) * el) / value : NaN;
    const f = Object.entries(fieldsNow).map(([k, v]) => ` ${k} ${v}`).join('');
    process.stderr.write(`${label} ${value}/${total} ${pct}% elapsed ${el.toFixed(0)}s eta ${Number.isFinite(eta) ? eta.toFixed(0) + 's' : '?'}${f}\n`);
  };
  const maybe = (force = false) => {
    const now = Date.now();
    if (force || now - last > 5000) { last = now; line(); }
  };
  return {
    update(v, fields) { value = v; if (fields) fieldsNow = { ...fieldsNow, ...fields }; maybe(); },
    increment(by = 1, fields) { value += by; if (fields) fieldsNow = { ...fieldsNow, ...fields }; maybe(); },
    stop() { maybe(true); },
  };
}
