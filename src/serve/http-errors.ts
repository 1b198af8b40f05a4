/**
 * Every error the HTTP server answers in verde's one JSON shape,
 * `{"error": {"status", "field", "message"}}`: Fastify's own errors (bad JSON, body too large, a
 * malformed URL, a parameter too long), Node's HTTP parser errors (a bad request line, headers too
 * large, a request timeout), and a wrong method on a real route (405 with Allow).
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { clip, RequestError } from './request-error.js';

/** Fastify's errors (from its error handler or its frameworkErrors hook) in verde's shape. */
export function fromFastifyError(err: { statusCode?: number; code?: string; message: string }): RequestError {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RequestError(400, 'body', `not valid JSON (${err.message})`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestError(413, 'body', `${err.message} (--body-limit)`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RequestError(415, 'content-type', 'must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RequestError(400, 'content-length', 'does not match the body');
    case 'FST_ERR_BAD_URL':
      return new RequestError(400, 'path', 'not a valid URL (a malformed %-escape?)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new RequestError(414, 'path', 'too long');
    default:
      if (err instanceof SyntaxError) return new RequestError(400, 'body', `not valid JSON (${err.message})`);
      return new RequestError(status, null, status === 500 ? 'internal error' : clip(err.message, 200));
  }
}

/**
 * Node's HTTP parser errors, answered on the raw socket (no request object exists yet), as Fastify's
 * default handler does but in verde's shape: 408 for a request that timed out, 431 for headers too
 * large, 400 otherwise.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new RequestError(408, null, 'the request was not received in time')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new RequestError(431, 'headers', 'too large')
        : new RequestError(400, null, 'malformed HTTP request');
  const body = JSON.stringify(e.body());
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** The routes a path has, by method, so an unknown method on a real path is 405, not 404. */
export class RouteTable {
  private readonly routes: Array<{ match: (path: string) => boolean; methods: string[] }> = [];

  add(path: string | RegExp, methods: string[]): void {
    this.routes.push({ match: typeof path === 'string' ? (p) => p === path : (p) => path.test(p), methods });
  }

  /** The error for a request no route took: 405 with Allow when the path exists, else 404. */
  notFound(method: string, url: string): RequestError {
    const path = url.split('?')[0]!;
    const route = this.routes.find((r) => r.match(path));
    if (route && !route.methods.includes(method)) {
      return new RequestError(405, 'method', `${clip(method, 16)} is not allowed on ${clip(path)} (allowed: ${route.methods.join(', ')})`, { allow: route.methods.join(', ') });
    }
    return new RequestError(404, 'path', `no route ${clip(method, 16)} ${clip(path)}`);
  }
}
