import { inject } from 'vitest';
import { mintToken, type TokenOptions, type TokenRole } from '../../../local/keys';

/** HTTP helpers for the API tests, against the local runtime started by the global setup. */

/** An access token the local runtime accepts, for `role` (optionally as person / client `sub`). */
export function tokenFor(
  role: TokenRole,
  sub?: string,
  options: Omit<TokenOptions, 'role' | 'sub'> = {},
): Promise<string> {
  return mintToken(inject('signingKey'), { role, ...(sub ? { sub } : {}), ...options });
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON for JSON responses (problem+json included), else the text. */
  body: T;
}

export interface ApiRequest {
  token?: string;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function api<T = unknown>(
  method: string,
  path: string,
  request: ApiRequest = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  let body: string | undefined;
  if (typeof request.body === 'string') {
    body = request.body;
  } else if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${inject('apiUrl')}${path}`, { method, headers, body });
  const text = await response.text();
  const isJson = /json/.test(response.headers.get('content-type') ?? '') && text.length > 0;
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: (isJson ? JSON.parse(text) : text) as T,
  };
}

/**
 * Polls `read` until `done` holds (events travel the bus asynchronously) or the time is up,
 * and returns the last value read, for the test to assert on.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}
