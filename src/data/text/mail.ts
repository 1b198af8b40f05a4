/**
 * Turn a raw RFC 822 e-mail (as the SpamAssassin corpus stores them) into the text a classifier
 * should read: the Subject plus the human-readable body. Routing headers (Received, Message-Id,
 * Return-Path, ...) are dropped: they are mostly server names and dates, and would let a model
 * learn which mail server a corpus was collected on instead of what spam says. MIME is followed
 * far enough for that: multipart bodies (text/plain preferred over text/html), quoted-printable
 * and base64 transfer encodings, and HTML reduced to its text.
 */

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitHeaders(raw: string): Part {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = new Map<string, string>();
  let last = '';
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`); // folded continuation line
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // the mbox "From " line and junk
    last = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function charsetOf(contentType: string): BufferEncoding {
  return /charset="?utf-?8/i.test(contentType) ? 'utf8' : 'latin1';
}

function decodeQuotedPrintable(s: string, enc: BufferEncoding): string {
  const joined = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = joined.charCodeAt(i);
      if (code < 256) bytes.push(code);
      else bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString(enc);
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®' };

/** Visible text of an HTML fragment: blocks become line breaks, tags and comments go, entities decode. */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|\/p|\/div|\/tr|\/li|\/h\d|\/table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp < 0x110000 ? String.fromCodePoint(cp) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    });
}

function decodeBody(part: Part): string {
  const ct = part.headers.get('content-type') ?? 'text/plain';
  const cte = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const enc = charsetOf(ct);
  let text = part.body;
  if (cte.includes('quoted-printable')) text = decodeQuotedPrintable(text, enc);
  else if (cte.includes('base64')) text = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString(enc);
  // Much spam sends HTML labelled text/plain: treat a body with HTML document or layout tags as HTML.
  const looksHtml = /<(html|body)\b|<br\s*\/?>|<\/(p|font|div|td|a)>/i.test(text);
  return /text\/html/i.test(ct) || looksHtml ? htmlToText(text) : text;
}

/** Readable text of a (possibly multipart) MIME part; '' for attachments and images. */
function partText(part: Part, depth = 0): string {
  const ct = part.headers.get('content-type') ?? 'text/plain';
  if (/^\s*multipart\//i.test(ct) && depth < 5) {
    const boundary = /boundary\s*=\s*"?([^";]+)"?/i.exec(ct)?.[1];
    if (!boundary) return part.body;
    const chunks = part.body.split(`--${boundary}`).slice(1); // drop the preamble
    const parts = chunks.filter((c) => !c.startsWith('--')).map((c) => splitHeaders(c.replace(/^\r?\n/, '')));
    const texts = parts.map((p) => ({ ct: p.headers.get('content-type') ?? 'text/plain', text: partText(p, depth + 1) }));
    // multipart/alternative carries the same text twice (plain and HTML): prefer plain.
    const plain = texts.filter((t) => /text\/plain/i.test(t.ct) || /multipart/i.test(t.ct));
    const chosen = /alternative/i.test(ct) && plain.some((t) => t.text.trim()) ? plain : texts;
    return chosen.map((t) => t.text).join('\n');
  }
  if (/^\s*text\//i.test(ct) || !part.headers.has('content-type')) return decodeBody(part);
  return '';
}

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Subject and readable body of a raw e-mail; '' if it has neither. */
export function mailToText(raw: string): string {
  const msg = splitHeaders(raw);
  const subject = tidy(msg.headers.get('subject') ?? '');
  const body = tidy(partText(msg));
  return subject && body ? `${subject}\n${body}` : subject || body;
}
