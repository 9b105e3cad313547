import { describe, expect, it } from 'vitest';
import { jsonResponse, stubFetch } from '../test/render';
import { ApiError, getJSON, rememberCsrf, request, toApiError } from './client';

describe('toApiError', () => {
  it('keeps the server message, code and request id of a fiskaly error body', async () => {
    const res = jsonResponse(
      413,
      { status_code: 413, error: 'Request Entity Too Large', code: 'E_BODY_TOO_LARGE', message: 'Request body exceeds 1 MB' },
      { 'request-id': 'abc-123' },
    );
    const err = await toApiError(res);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(413);
    expect(err.code).toBe('E_BODY_TOO_LARGE');
    expect(err.message).toBe('Request body exceeds 1 MB');
    expect(err.requestId).toBe('abc-123');
  });

  it('accepts an error body without code, as the cloud sends on bad credentials', async () => {
    const err = await toApiError(jsonResponse(401, { status_code: 401, error: 'Unauthorized', message: 'Invalid credentials' }));
    expect(err.code).toBeUndefined();
    expect(err.message).toBe('Invalid credentials');
  });

  it('falls back to the HTTP status for a body that is not JSON', async () => {
    const err = await toApiError(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(err.status).toBe(502);
    expect(err.message).toBe('Bad Gateway');
  });
});

describe('getJSON', () => {
  it('returns the decoded body on success and throws ApiError otherwise', async () => {
    stubFetch({ '/ok': () => jsonResponse(200, { a: 1 }) });
    await expect(getJSON<{ a: number }>('/ok')).resolves.toEqual({ a: 1 });
    await expect(getJSON('/missing')).rejects.toMatchObject({ status: 404, code: 'E_ROUTE_NOT_FOUND' });
  });
});

describe('request', () => {
  it('sends the CSRF token from the session cookie on changes only', async () => {
    document.cookie = 'fiskaldesk_csrf=tok%2B1';
    const calls = stubFetch({ '/x': () => jsonResponse(200, {}) });
    await request('POST', '/x', { a: 1 });
    await request('GET', '/x');
    expect(calls[0].headers['X-CSRF-Token']).toBe('tok+1');
    expect(calls[0].body).toEqual({ a: 1 });
    expect(calls[1].headers['X-CSRF-Token']).toBeUndefined();
    document.cookie = 'fiskaldesk_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  });

  it('falls back to the token remembered from /me where no cookie is readable (the desktop window)', async () => {
    const calls = stubFetch({ '/x': () => jsonResponse(200, {}) });
    await request('PATCH', '/x', {});
    expect(calls[0].headers['X-CSRF-Token']).toBeUndefined();
    rememberCsrf('from-me');
    await request('PATCH', '/x', {});
    expect(calls[1].headers['X-CSRF-Token']).toBe('from-me');
    rememberCsrf(undefined);
  });
});
