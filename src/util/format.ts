/** Figures for tables and pages: `digits` significant digits, an exponent for very small or large values, '' or '-' for unknown. */
export function formatFigure(v: number | null | undefined, digits = 4, unknown = ''): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return unknown;
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e6 ? v.toExponential(digits - 1) : Number(v.toPrecision(digits)).toString();
}
