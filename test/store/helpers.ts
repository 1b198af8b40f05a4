/** Shared by the store and report tests: the verde CLI as a real child process, and a run record. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { baseRun, blankVariant, type RunRecord } from '../../src/store/index.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/cli/main.js, from dist/test/store. */
export const CLI = resolve(here, '..', '..', 'src', 'cli', 'main.js');

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function verde(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** A run with two variants whose figures the test chooses (the store keeps whatever it is given). */
export function sampleRun(id: string, startedAt: string, jPerInference = [0.002, 0.004]): RunRecord {
  const r = baseRun('text', { epochs: 1 }, { id, startedAt, country: 'ESP' });
  r.durationS = 12;
  r.energyJ = 30;
  r.co2eGrams = (30 / 3.6e6) * r.carbon.gPerKWh;
  r.energyMethod = 'modelled:tdp+modelled:ram';
  r.components = [{ component: 'cpu', energyJ: 29, meanPowerW: 2.4, method: 'modelled:tdp' }, { component: 'ram', energyJ: 1, meanPowerW: 0.1, method: 'modelled:ram' }];
  r.phases = [
    { name: 'prepare', phase: 'data', durationS: 1, energyJ: 5, co2eGrams: 0, method: r.energyMethod },
    { name: 'train', phase: 'training', durationS: 10, energyJ: 20, co2eGrams: 0, method: r.energyMethod },
    { name: 'quantize', phase: 'compression', durationS: 1, energyJ: 5, co2eGrams: 0, method: r.energyMethod },
  ];
  r.variants = jPerInference.map((j, i) => ({
    ...blankVariant(i ? 'int8' : 'base', i ? 'text-distilbert-int8' : 'text-distilbert-base', 'text-classification', r.energyMethod),
    accuracy: 0.9 + i * 0.01, macroF1: 0.88, latencyMs: 1 + i, throughputPerS: 1000, sizeBytes: 1e6 / (i + 1),
    energyJPerInference: j, energyJPerCorrect: j / 0.9, energyJ: j * 500, co2eGrams: 0.001, inferences: 500, correct: 450, secondsPerInference: 0.001,
  }));
  return r;
}
