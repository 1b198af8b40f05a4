/**
 * Evaluate model variants on the same test samples, each in its own child process (see
 * variant-run.ts for what is measured), one after another so they never compete for the CPU.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { VariantRunInput, VariantRunResult } from './variant-run.js';

export type { VariantRunInput, VariantRunResult } from './variant-run.js';

export function evaluateVariantInChild(input: VariantRunInput): Promise<VariantRunResult> {
  const entry = fileURLToPath(new URL('./variant-child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    let settled = false;
    child.on('message', (msg: { ok: boolean; result?: VariantRunResult; error?: string }) => {
      settled = true;
      if (msg.ok) resolve(msg.result!);
      else reject(new Error(`evaluating ${input.modelPath}: ${msg.error}`));
    });
    child.on('error', (err) => { if (!settled) { settled = true; reject(err); } });
    child.on('exit', (code) => {
      if (!settled) { settled = true; reject(new Error(`evaluating ${input.modelPath}: child exited with code ${code}`)); }
    });
    child.send(input);
  });
}
