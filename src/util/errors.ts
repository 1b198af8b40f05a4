/**
 * A UserError is bad input the user can fix (a flag, a file, a field). The CLI prints its message
 * on one line, prefixed with "verde:", and exits with `exitCode` (2 by default) — no stack trace.
 * Anything else that escapes is a bug and is printed in full.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(oneLine(message));
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/**
 * The message on one line whatever it quotes: a line break from the user's input (a JSON parser's
 * excerpt of the file, a field's value) is shown escaped (\n, \r, \u2028, ...), not printed.
 */
export function oneLine(message: string): string {
  return message.replace(/\r\n|[\r\n\v\f\u2028\u2029]/g, (c) => ({ '\r\n': '\\r\\n', '\r': '\\r', '\n': '\\n', '\v': '\\v', '\f': '\\f' })[c] ?? `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Throw a UserError naming where the problem is, e.g. `fail('data.csv', 'column "label" not found')`. */
export function fail(where: string, what: string): never {
  throw new UserError(`${where}: ${what}`);
}
