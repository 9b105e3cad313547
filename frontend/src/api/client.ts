// Small typed HTTP client for fiskaldesk's own APIs. Every error the server
// produces has fiskaly's shape {status_code, error, code, message}; this
// turns it into an ApiError whose message is the server's own.

export interface ErrorBody {
  status_code: number;
  error: string;
  code?: string;
  message: string;
}

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

export async function getJSON<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init?.headers } });
  if (!res.ok) {
    throw await toApiError(res);
  }
  return (await res.json()) as T;
}
