/**
 * Streaming RFC 4180 CSV records: comma-separated, double-quoted fields with "" escapes and embedded
 * newlines, LF or CRLF line ends. A row with the wrong number of fields is an error naming the file
 * and line (nothing is skipped silently).
 */
import { splitCsvRecord } from '../../util/csv.js';
import { createReadStream } from 'node:fs';
import { fail } from '../../util/errors.js';

export { splitCsvRecord as splitRecord };

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * Calls `onHeader` once, then `onRecord(fields, lineNumber)` for every record; returns the header.
 * Blank lines are skipped. Throws a UserError on an unterminated quote or a field-count mismatch.
 */
export async function readCsvRecords(
  path: string,
  onHeader: (header: string[]) => void,
  onRecord: (fields: string[], line: number) => void,
): Promise<string[]> {
  let header: string[] | null = null;
  let carry = '';
  let lineNo = 0;
  let pending = '';
  let pendingStart = 0;
  let pendingQuotes = 0;
  const handle = (raw: string) => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = pending ? pending + '\n' + line : line;
    const start = pending ? pendingStart : lineNo;
    // A quote is open exactly while the record's count of `"` is odd: count, and split only a
    // complete record (re-splitting the growing record at every line was quadratic: a stray quote
    // early in a big file took minutes).
    const quotes = (pending ? pendingQuotes : 0) + countQuotes(line);
    if (quotes % 2 === 1) {
      pending = text;
      pendingStart = start;
      pendingQuotes = quotes;
      return;
    }
    const fields = splitCsvRecord(text)!;
    pending = '';
    if (header === null) {
      if (text.trim() === '') fail(path, 'empty file (no header row)');
      header = fields.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      onHeader(header);
      return;
    }
    if (text === '') return;
    if (fields.length !== header.length) fail(path, `line ${start}: expected ${header.length} fields (as in the header), found ${fields.length}`);
    onRecord(fields, start);
  };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const text = carry + (chunk as string);
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        if (nl < 0) break;
        handle(text.slice(from, nl));
        from = nl + 1;
      }
      carry = text.slice(from);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') fail(path, 'file not found');
    throw err;
  }
  if (carry !== '') handle(carry);
  if (pending) fail(path, `line ${pendingStart}: unterminated quoted field`);
  if (header === null) fail(path, 'empty file (no header row)');
  return header;
}
