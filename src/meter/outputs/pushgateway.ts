/**
 * Push a finished batch job's metrics to a Prometheus Pushgateway (the way batch jobs reach
 * Prometheus: nothing scrapes a process that has exited). PUT URL/metrics/job/<job> replaces the
 * job's group with this text (Prometheus exposition format 0.0.4, from prometheus.ts). A push
 * never fails the job: the caller gets { ok: false, error } and prints one line, the job's own
 * files are already written.
 */
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

export const PUSH_TIMEOUT_MS = 5_000;

export interface PushResult {
  ok: boolean;
  /** Where it was pushed (URL/metrics/job/<job>). */
  target: string;
  /** One line: why the push failed. */
  error?: string;
}

/** URL/metrics/job/<job>[/<label>/<value>...], each part URL-encoded. */
export function pushTarget(url: string, job: string, grouping: Record<string, string> = {}): string {
  const base = url.replace(/\/+$/, '');
  const extra = Object.entries(grouping).map(([k, v]) => `/${encodeURIComponent(k)}/${encodeURIComponent(v)}`).join('');
  return `${base}/metrics/job/${encodeURIComponent(job)}${extra}`;
}

/** Why `url` cannot be a Pushgateway address (a bad flag, checked before the job runs), or null. */
export function pushUrlProblem(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'expected an http:// or https:// URL';
  } catch {
    return 'not a URL (expected http://HOST:9091)';
  }
}

export async function pushMetrics(url: string, job: string, text: string, opts: { grouping?: Record<string, string>; timeoutMs?: number } = {}): Promise<PushResult> {
  const problem = pushUrlProblem(url);
  if (problem) return { ok: false, target: url, error: problem };
  const target = pushTarget(url, job, opts.grouping);
  const timeoutMs = opts.timeoutMs ?? PUSH_TIMEOUT_MS;
  try {
    const res = await fetch(target, { method: 'PUT', body: text.endsWith('\n') ? text : text + '\n', headers: { 'content-type': PROMETHEUS_CONTENT_TYPE }, signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) return { ok: true, target };
    const body = (await res.text().catch(() => '')).split('\n')[0]!.slice(0, 200);
    return { ok: false, target, error: `HTTP ${res.status}${body ? `: ${body}` : ''}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : e.cause?.code ?? e.cause?.message ?? e.message;
    return { ok: false, target, error: why };
  }
}

/** The line a command prints after pushing. */
export function pushLine(r: PushResult): string {
  return r.ok ? `pushed metrics to ${r.target}` : `warning: push to the Pushgateway failed (${r.target}: ${r.error}); the job's own results are written`;
}
