/**
 * A client error the server answers with a JSON body naming the offending field:
 * `{"error": {"status": 400, "field": "instances[2].text", "message": "..."}}`.
 */
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
    return { error: { status: this.status, field: this.field, message: this.field ? `${this.field}: ${this.message}` : this.message } };
  }
}
