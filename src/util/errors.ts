/**
 * A UserError is bad input the user can fix (a flag, a file, a field). The CLI prints its message
 * on one line, prefixed with "verde:", and exits with `exitCode` (2 by default) — no stack trace.
 * Anything else that escapes is a bug and is printed in full.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Throw a UserError naming where the problem is, e.g. `fail('data.csv', 'column "label" not found')`. */
export function fail(where: string, what: string): never {
  throw new UserError(`${where}: ${what}`);
}
