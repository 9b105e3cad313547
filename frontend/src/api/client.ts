// Small typed HTTP client for fiskaldesk's own APIs. Every error the server
// produces has fiskaly's shape {status_code, error, code, message}; this
// turns it into an ApiError whose message is the server's own.

import type { Schemas } from './schema';

/** fiskaly's error body, as every route answers an error. */
export type ErrorBody = Schemas['ErrorBody'];

export class ApiError extends Error {
  readonly status: number;
  readonly code?: string;
  readonly requestId?: string;

  constructor(status: number, message: string, code?: string, requestId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId ?? undefined;
  }
}

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && 'status_code' in v && 'message' in v;
}

/** Parses a non-2xx response into an ApiError, tolerating bodies of any shape. */
export async function toApiError(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('request-id') ?? undefined;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) {
    return new ApiError(body.status_code, body.message, body.code, requestId);
  }
  return new ApiError(res.status, res.statusText || `HTTP ${res.status}`, undefined, requestId);
}

let sessionCsrf: string | undefined;

/** Keeps the session's CSRF token from /api/dashboard/me, for pages that
 * cannot read the CSRF cookie: the desktop window keeps no cookies (the Go
 * side holds them for it). */
export function rememberCsrf(token: string | undefined) {
  sessionCsrf = token || undefined;
}

/** The CSRF token of the dashboard session: its readable cookie, else the one remembered. */
export function csrfToken(): string | undefined {
  if (typeof document === 'undefined') return sessionCsrf;
  const m = /(?:^|;\s*)fiskaldesk_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : sessionCsrf;
}

/** Sends a request and decodes the JSON answer; non-2xx becomes ApiError.
 * Requests that change something carry the session's CSRF token. */
export async function request<T>(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<T> {
  // A file (a backup to restore) goes as it is; anything else as JSON.
  const raw = body instanceof Blob;
  const headers: Record<string, string> = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
  const csrf = csrfToken();
  if (csrf && method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!res.ok) {
    throw await toApiError(res);
  }
  return (await res.json()) as T;
}

export const getJSON = <T>(path: string, extra?: Record<string, string>) => request<T>('GET', path, undefined, extra);
export const postJSON = <T>(path: string, body?: unknown, extra?: Record<string, string>) =>
  request<T>('POST', path, body ?? {}, extra);

/** Query string from the defined values of params; arrays repeat the key. */
export function query(params: Record<string, string | number | undefined | string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The list envelope of every fiskaly list route. */
export interface List<T> {
  data: T[];
  count: number;
}

/** Fetches a file (an export, a report) as a blob; non-2xx becomes ApiError. */
export async function getBlob(path: string, extra?: Record<string, string>): Promise<Blob> {
  const res = await fetch(path, { headers: { ...extra }, credentials: 'same-origin' });
  if (!res.ok) throw await toApiError(res);
  return res.blob();
}
