/** The CSV that verde writes and checks (RFC 4180 quoting), shared by the meter and the reports. */

/** One CSV cell: empty for null/undefined/non-finite numbers, quoted when it holds `"`, `,` or a line break. */
export function csvCell(v: unknown): string {
  const s = v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Split one record into fields ("" escapes, quoted commas); null when a quote is still open (an odd
 * number of `"`). Copies runs with slice and indexOf, not a character at a time: a multi-megabyte
 * record (a file with no line breaks) splits in milliseconds.
 */
export function splitCsvRecord(line: string): string[] | null {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  const parts: string[] = [];
  const n = line.length;
  let i = 0;
  let inQuotes = false;
  while (i < n) {
    if (inQuotes) {
      const q = line.indexOf('"', i);
      if (q < 0) return null;
      parts.push(line.slice(i, q));
      if (line.charCodeAt(q + 1) === 34) {
        parts.push('"');
        i = q + 2;
      } else {
        inQuotes = false;
        i = q + 1;
      }
      continue;
    }
    let j = i;
    while (j < n) {
      const c = line.charCodeAt(j);
      if (c === 34 || c === 44) break;
      j++;
    }
    parts.push(line.slice(i, j));
    if (j >= n) break;
    if (line.charCodeAt(j) === 34) inQuotes = true;
    else {
      out.push(parts.join(''));
      parts.length = 0;
    }
    i = j + 1;
  }
  if (inQuotes) return null;
  out.push(parts.join(''));
  return out;
}
