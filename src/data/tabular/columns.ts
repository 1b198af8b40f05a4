/**
 * Column accumulation and type inference for tabular files. Every value is tried as a number and
 * also kept as a category (until a column has too many distinct text values); at the end a column is
 * numeric when all its non-missing values are numbers, categorical when enough of them are text,
 * and an error when a few stray text values sit in an otherwise numeric column (a typo, most likely).
 */

/** Tokens read as missing (NaN) in any column. */
export const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-']);
const INF_TOKENS = new Map<string, number>([
  ['inf', Infinity], ['+inf', Infinity], ['infinity', Infinity], ['+infinity', Infinity],
  ['-inf', -Infinity], ['-infinity', -Infinity],
]);
/** A text column with more distinct values than this is identifier-like and dropped (reported). */
export const MAX_CATEGORIES = 1000;
const FLOAT32_MAX = 3.4028234663852886e38;

export class ColumnAccumulator {
  readonly name: string;
  values: Float32Array = new Float32Array(1024);
  codes: Int32Array = new Int32Array(1024);
  n = 0;
  missing = 0;
  firstMissingRow = -1;
  infinite = 0;
  firstInfiniteRow = -1;
  nonNumeric = 0;
  firstNonNumeric: { row: number; value: string } | null = null;
  dictionary = new Map<string, number>();
  tooManyCategories = false;

  constructor(name: string) {
    this.name = name;
  }

  private grow(): void {
    const v = new Float32Array(this.values.length * 2);
    v.set(this.values);
    this.values = v;
    const c = new Int32Array(this.codes.length * 2);
    c.set(this.codes);
    this.codes = c;
  }

  /** Add one raw value (string from CSV, number/boolean/null from Parquet); `row` is for messages. */
  push(raw: string | number | boolean | null, row: number): void {
    if (this.n === this.values.length) this.grow();
    const i = this.n++;
    if (raw === null) return this.setMissing(i, row);
    if (typeof raw === 'boolean') raw = raw ? 1 : 0;
    let num: number;
    let text: string;
    if (typeof raw === 'number') {
      num = raw;
      text = String(raw);
      if (Number.isNaN(num)) return this.setMissing(i, row);
    } else {
      text = raw.trim();
      const lower = text.toLowerCase();
      if (MISSING_TOKENS.has(lower)) return this.setMissing(i, row);
      const inf = INF_TOKENS.get(lower);
      num = inf ?? Number(text);
    }
    if (!Number.isNaN(num)) {
      if (!Number.isFinite(num) || Math.abs(num) > FLOAT32_MAX) {
        this.infinite++;
        if (this.firstInfiniteRow < 0) this.firstInfiniteRow = row;
        num = Number.isFinite(num) ? Math.sign(num) * Infinity : num;
      }
    } else {
      this.nonNumeric++;
      if (!this.firstNonNumeric) this.firstNonNumeric = { row, value: text };
    }
    this.values[i] = num;
    this.codes[i] = this.code(text);
  }

  private setMissing(i: number, row: number): void {
    if (this.firstMissingRow < 0) this.firstMissingRow = row;
    this.values[i] = NaN;
    this.codes[i] = -1;
    this.missing++;
  }

  private code(text: string): number {
    if (this.tooManyCategories) return -1;
    let c = this.dictionary.get(text);
    if (c === undefined) {
      c = this.dictionary.size;
      if (c >= MAX_CATEGORIES) {
        // Keep numbers cheap: only text columns need the dictionary; a numeric column stops here.
        this.tooManyCategories = true;
        this.dictionary.clear();
        return -1;
      }
      this.dictionary.set(text, c);
    }
    return c;
  }
}
