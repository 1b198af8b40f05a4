/** A figure in bench-serve's table: fixed decimals, "-" when there is none. */
export const fmt = (x: number | null, d = 1) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));
