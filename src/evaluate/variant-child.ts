/**
 * Child-process entry for variants.ts: receives one VariantRunInput over IPC, evaluates it, sends
 * back {ok, result} or {ok: false, error}, and exits. A fresh process per variant keeps each
 * variant's peak memory and energy its own.
 */
import { runVariant, type VariantRunInput } from './variant-run.js';

// A parent that died (Ctrl-C, SIGTERM, SIGKILL) wants no result: stop rather than run on orphaned.
process.once('disconnect', () => process.exit(1));

process.once('message', (input: VariantRunInput) => {
  runVariant(input).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (err: Error) => process.send!({ ok: false, error: err.message }, () => process.exit(1)),
  );
});
