import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTextData, mailToText } from '../../src/data/text/index.js';

test('the embedded SpamAssassin default: 2000/200/500, ham vs spam, headers stripped', async () => {
  const s = await loadTextData();
  assert.deepEqual(s.labelNames, ['ham', 'spam']);
  assert.equal(s.train.texts.length, 2000);
  assert.equal(s.validation.texts.length, 200);
  assert.equal(s.test.texts.length, 500);
  // The corpus is 4150 ham / 1896 spam: stratification keeps ~31 % spam in every split.
  for (const ds of [s.train, s.test]) {
    const spam = ds.labels.filter((l) => l === 1).length / ds.labels.length;
    assert.ok(spam > 0.3 && spam < 0.325, `spam fraction ${spam}`);
  }
  const all = [...s.train.texts, ...s.test.texts];
  assert.equal(all.filter((t) => /^(From \S+@|Received:|Return-Path:|Message-Id:|Delivered-To:)/.test(t)).length, 0, 'no text starts with headers');
  // Only forwarded or quoted mails still carry header lines inside their body.
  const withHeaders = all.filter((t) => /^(Received|Return-Path|Delivered-To):/im.test(t)).length;
  assert.ok(withHeaders < all.length / 100, `${withHeaders} texts with routing headers in the body`);
  assert.ok(all.every((t) => t.trim().length > 0));
  const html = all.filter((t) => /<\/?(html|body|br|font|table)\b/i.test(t)).length;
  assert.ok(html <= 2, `${html} texts still carry HTML tags`);
  const again = await loadTextData({ seed: 42 });
  assert.deepEqual(again.test.texts, s.test.texts, 'reproducible');
});

test('mail to text: subject + readable body; multipart/alternative prefers plain; QP, base64 and HTML decoded', () => {
  const mail = [
    'From someone@example.com  Thu Aug 22 13:17:22 2002',
    'Received: from mail.example.com by relay',
    '\twith ESMTP id 12345',
    'Subject: Cheap =?iso-8859-1?q?stuff?=',
    '  here',
    'Content-Type: multipart/alternative; boundary="XYZ"',
    '',
    'This is a MIME message',
    '--XYZ',
    'Content-Type: text/plain; charset="iso-8859-1"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=E9 deals, soft=',
    'break joined',
    '--XYZ',
    'Content-Type: text/html',
    '',
    '<html><body><p>HTML copy</p></body></html>',
    '--XYZ--',
    '',
  ].join('\n');
  assert.equal(mailToText(mail), 'Cheap =?iso-8859-1?q?stuff?= here\nCafé deals, softbreak joined');

  const html = 'Subject: Win\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n' +
    Buffer.from('<html><style>p{}</style><p>You &amp; me&#33;</p><br>Click</html>').toString('base64');
  assert.equal(mailToText(html), 'Win\nYou & me!\n\nClick');
  assert.equal(mailToText('Subject: only a subject\n\n'), 'only a subject');
  assert.equal(mailToText('Subject: x\nContent-Type: image/gif\n\nR0lGOD'), 'x');
});
