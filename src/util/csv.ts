/** The CSV that verde writes and checks (RFC 4180 quoting), shared by the meter and the reports. */

/** One CSV cell: empty for null/undefined/non-finite numbers, quoted when it holds `"`, `,` or a line break. */
export function csvCell(v: unknown): string {
  const s = v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Split one record into fields ("" escapes, quoted commas); null when a quote is still open. */
export function splitCsvRecord(line: string): string[] | null {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inQuotes) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') inQuotes = false;
      else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  if (inQuotes) return null;
  out.push(field);
  return out;
}
