/** Quoting for the SQL verde hands DuckDB: file paths as string literals, column names as identifiers. */

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
