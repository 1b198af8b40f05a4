/**
 * DuckDB error messages that deserve a sentence of their own. Parquet strings are checked by
 * DuckDB's reader, so an invalid string in a Parquet file surfaces as DuckDB's "Invalid string
 * encoding" error; this says what it means for the user, with the offending value (as DuckDB
 * escapes it), on one line. The text readers (src/data/text/files.ts) then read the file again with
 * its strings as binary to apply --invalid-utf8; the tabular reader and strings nested in lists or
 * structs end here.
 */
export function parquetInvalidUtf8(file: string, err: unknown): string | undefined {
  const msg = String((err as Error)?.message ?? err);
  if (!/Invalid string encoding found in Parquet file/i.test(msg)) return undefined;
  const value = /value "(.*?)" is not valid UTF8/s.exec(msg)?.[1]?.replace(/[\r\n]+/g, ' ');
  const shown = value === undefined ? '' : ` (value "${value.length > 60 ? `${value.slice(0, 60)}...` : value}")`;
  return `${file}: a string is not valid UTF-8${shown}; Parquet text must be UTF-8: re-export the file with valid strings`;
}
