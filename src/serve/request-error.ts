/**
 * A client error the server answers with a JSON body naming the offending field:
 * `{"error": {"status": 400, "field": "instances[2].text", "message": "..."}}`.
 *
 * An error never echoes a client's input at length: whatever a client sent (an id, a model name, a
 * path, a field name) is cut by `clip` where it is quoted, and `body()` caps the field and the
 * message again, so a 900 KB id costs the server a short answer, not a 900 KB one.
 */

/** Longest piece of client input quoted in an error message. */
export const MAX_ECHO_CHARS = 80;
/** Backstops for the whole field path and the whole message. */
const MAX_FIELD_CHARS = 200;
const MAX_MESSAGE_CHARS = 1000;

/** `s` if short, else its start and how long it was (never splits a surrogate pair). */
export function clip(s: string, max = MAX_ECHO_CHARS): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  return `${s.slice(0, end)}... (${s.length} characters)`;
}

export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly field: string | null,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }

  body(): { error: { status: number; field: string | null; message: string } } {
    const field = this.field === null ? null : clip(this.field, MAX_FIELD_CHARS);
    return { error: { status: this.status, field, message: clip(field ? `${field}: ${this.message}` : this.message, MAX_MESSAGE_CHARS) } };
  }
}
