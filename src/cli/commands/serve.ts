import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { byteSizeFlag, cacheFlag, cascadeFlag, collect, exitThresholdFlag } from '../serve-flags.js';
import { intFlag, numberFlag, probabilityFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';
import { DEFAULT_SERVE_OPTIONS, checkServeToken, type CascadeSpec, type ServeOptions } from '../../serve/options.js';

/**
 * The bearer token from --token or VERDE_SERVE_TOKEN. An empty one (`--token ""`, or the variable
 * set to nothing, as a missing secret in a deployment would leave it) is an error: taking it for
 * "no token" would switch authentication off without a word.
 */
export function serveToken(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined) return checkServeToken(flag);
  const v = env.VERDE_SERVE_TOKEN;
  if (v !== undefined && v.trim() === '') throw new UserError('VERDE_SERVE_TOKEN: is set but empty (unset it to serve without authentication)');
  return v;
}

// the flags' defaults are the library's (createServer's), so the two cannot drift apart
const D = DEFAULT_SERVE_OPTIONS;

/** Parsed flags: the options that map one to one onto ServeOptions, plus the CLI's own. */
interface ServeFlags extends Pick<ServeOptions, 'port' | 'host' | 'maxBatchSize' | 'maxQueueDelayMs' | 'maxQueue' | 'timeoutMs' | 'cache' | 'cacheSize' | 'token' | 'workers' | 'threads' | 'cascadeThreshold' | 'maxInstances' | 'bodyLimit' | 'watch' | 'registry' | 'alias' | 'watchIntervalMs' | 'usageFlushMs' | 'usageOut'> {
  store?: string;
  model: string[];
  cascade: CascadeSpec[];
  country?: string;
  pue?: number;
  exitThreshold?: number | 'off';
  healthPort?: number;
  feedbackLimit: number;
  rejectLong?: boolean;
  truncate?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve verde model directories over HTTP with dynamic batching, a prediction cache, early\n' +
        'exit, model cascades and the energy of every answer (guide §3.4).\n' +
        '  POST /v1/models/{name}:predict  {"instances": [{"text": "..."}]} (tabular: feature objects)\n' +
        '  POST /v1/models/{name}:feedback {"id": "<X-Request-Id>", "labels": [...]}\n' +
        '  GET /v1/models, /healthz, /readyz, /metrics (Prometheus), /openapi.json\n' +
        'Answers carry X-Energy-Joules, X-CO2e-Grams, X-Energy-Method and X-Verde-Model-Version.\n' +
        'Hot swap with no failed request: --watch POINTER_FILE, or --registry PATH --alias NAME.\n' +
        'SIGTERM/SIGINT: finish the queued batches and exit 0. See docs/serving.md.',
    )
    .option('--model <dir>', 'a verde model directory to serve (repeatable); served under its verde.json name', collect, [])
    .option('--cascade <spec>', 'small=DIR,large=DIR[,name=NAME]: the small model answers when confident, else the large one (repeatable; default name "cascade")', cascadeFlag, [])
    .option('--port <n>', 'TCP port (0: any free port)', intFlag('--port', 0, 65535), D.port)
    .option('--health-port <n>', 'also answer /healthz and /readyz on this port, from a thread of their own, so probes stay fast while the main port sheds a burst (0: any free port)', intFlag('--health-port', 0, 65535))
    .option('--host <addr>', 'address to bind; only 127.0.0.1 unless you say otherwise', D.host)
    .option('--max-batch-size <n>', 'most instances per inference batch (1: no batching)', intFlag('--max-batch-size', 1, 1024), D.maxBatchSize)
    .option('--max-queue-delay-ms <ms>', 'longest the oldest queued instance waits for a batch to fill (Triton semantics; 0: run what waited as soon as the model is free)', intFlag('--max-queue-delay-ms', 0, 60_000), D.maxQueueDelayMs)
    .option('--max-queue <n>', 'instances that may wait per model; beyond it requests get 429 with Retry-After', intFlag('--max-queue', 1), D.maxQueue)
    .option('--timeout-ms <ms>', 'per-request limit; a request not answered by then gets 504', intFlag('--timeout-ms', 1), D.timeoutMs)
    .option('--cache <kind>', 'prediction cache: lru (in-process), off, or redis://host:port shared by replicas', cacheFlag, D.cache)
    .option('--cache-size <n>', 'entries of the in-process LRU cache', intFlag('--cache-size', 1), D.cacheSize)
    .option('--token <token>', 'require "Authorization: Bearer <token>" on every route but /healthz and /readyz (or set VERDE_SERVE_TOKEN, which keeps it out of ps)')
    .option('--workers <n>', 'inference workers per model: a batch of 16 or more rows is split across them; by default one per core', intFlag('--workers', 1, 256), D.workers)
    .option('--threads <n>', 'ONNX Runtime intra-op threads per inference worker', intFlag('--threads', 1, 256), D.threads)
    .option('--country <iso3>', 'country for the grid carbon intensity of X-CO2e-Grams (e.g. ESP); default: world average')
    .option('--pue <x>', 'data-centre PUE applied to every energy figure', numberFlag('--pue', { min: 1 }))
    .option('--exit-threshold <p>', 'softmax confidence at which an early exit answers, or "off" to run models whole (default: each manifest\'s)', exitThresholdFlag)
    .option('--cascade-threshold <p>', 'softmax confidence at which a cascade\'s small model answers', probabilityFlag('--cascade-threshold'), D.cascadeThreshold)
    .option('--max-instances <n>', 'most instances in one request (413 above)', intFlag('--max-instances', 1), D.maxInstances)
    .option('--body-limit <size>', 'largest request body (413 above), e.g. 1mb', byteSizeFlag('--body-limit'), D.bodyLimit)
    .option('--feedback-limit <size>', 'memory kept for :feedback (recent predictions; the oldest are forgotten first), e.g. 64mb', byteSizeFlag('--feedback-limit'), D.feedbackLimitBytes)
    .option('--truncate', 'cut texts longer than the model\'s max length (default)')
    .option(...STORE_FLAG)
    .option('--watch <file>', 'serve the model a pointer file {"dir": "...", "version": ..., "name"?: "..."} names (or a cascade: {"cascade": {"small": "...", "large": "..."}, "version": ...}) and hot-swap (no failed request) when it changes (repeatable)', collect, [])
    .option('--registry <path>', 'a verde registry (or VERDE_REGISTRY): with --alias, serve its aliased versions; usage files go to PATH/usage/')
    .option('--alias <name>', 'with --registry: serve every model\'s version under this alias (e.g. production), following alias changes')
    .option('--watch-interval-ms <ms>', 'how often pointer and alias files are re-read', intFlag('--watch-interval-ms', 10, 3_600_000), D.watchIntervalMs)
    .option('--usage-flush-ms <ms>', 'how often usage statistics are written (and at shutdown; 0: only at shutdown)', intFlag('--usage-flush-ms', 0, 86_400_000), D.usageFlushMs)
    .option('--usage-out <file>', 'also write usage statistics (requests, labels, input samples) of every served version to this JSON file')
    .option('--reject-long', 'answer 413 to texts longer than the model\'s max length instead of truncating')
    .action(async (flags: ServeFlags) => {
      const registry = flags.registry ?? (process.env.VERDE_REGISTRY || undefined);
      if (flags.alias !== undefined && registry === undefined) throw new UserError('--alias: needs --registry PATH (or VERDE_REGISTRY)');
      if (flags.alias !== undefined && flags.alias.trim() === '') throw new UserError('--alias: must not be empty');
      if (flags.model.length === 0 && flags.cascade.length === 0 && flags.watch.length === 0 && flags.alias === undefined) {
        throw new UserError('serve: give at least one --model DIR (or --cascade small=DIR,large=DIR, --watch POINTER, --registry PATH --alias NAME)');
      }
      if (flags.truncate && flags.rejectLong) throw new UserError('serve: --truncate and --reject-long contradict each other; pick one');
      const token = serveToken(flags.token, process.env);
      const { createServer } = await import('../../serve/server.js');
      const server = await createServer({
        models: flags.model,
        cascades: flags.cascade,
        port: flags.port,
        ...(flags.healthPort !== undefined ? { healthPort: flags.healthPort } : {}),
        host: flags.host,
        maxBatchSize: flags.maxBatchSize,
        maxQueueDelayMs: flags.maxQueueDelayMs,
        maxQueue: flags.maxQueue,
        timeoutMs: flags.timeoutMs,
        cache: flags.cache,
        cacheSize: flags.cacheSize,
        token,
        workers: flags.workers,
        threads: flags.threads,
        exitThreshold: flags.exitThreshold === 'off' ? null : flags.exitThreshold,
        cascadeThreshold: flags.cascadeThreshold,
        maxInstances: flags.maxInstances,
        bodyLimit: flags.bodyLimit,
        longText: flags.rejectLong ? 'reject' : flags.truncate ? 'truncate' : D.longText,
        feedbackLimitBytes: flags.feedbackLimit,
        watch: flags.watch,
        ...(registry !== undefined ? { registry } : {}),
        ...(flags.alias !== undefined ? { alias: flags.alias } : {}),
        watchIntervalMs: flags.watchIntervalMs,
        usageFlushMs: flags.usageFlushMs,
        ...(flags.usageOut !== undefined ? { usageOut: flags.usageOut } : {}),
        meter: { ...(flags.country ? { country: flags.country } : {}), ...(flags.pue ? { pue: flags.pue } : {}), onNotice: (m: string) => process.stderr.write(`verde serve: ${m}\n`) },
      });
      const { startServeRecording } = await import('../../store/serve-session.js');
      const session = startServeRecording(server, { ...flags }, flags.store, flags.country);
      const names = server.models.map((m) => `${m.name} (${m.manifest.task})`).join(', ') || `no model yet (waiting for alias "${flags.alias}")`;
      process.stderr.write(`verde serve: listening on ${server.url} — ${names}\n`);
      if (server.healthUrl) process.stderr.write(`verde serve: health probes on ${server.healthUrl}/healthz and /readyz\n`);
      if (flags.host !== '127.0.0.1' && flags.host !== 'localhost' && flags.host !== '::1' && !token) {
        process.stderr.write(`verde serve: warning: bound to ${flags.host} without --token; anyone who can reach it can use it\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`verde serve: ${signal}: draining queued batches, then exiting\n`);
          server.close().then(resolve, (err: unknown) => {
            process.stderr.write(`verde serve: error while closing: ${(err as Error).message}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      session.stop();
      process.stderr.write('verde serve: stopped\n');
    });
}
