import i18n from '../i18n';
import { ApiError } from './client';
import { errorText, knownCodes } from './errors';

const t = i18n.t.bind(i18n);

describe('errorText', () => {
  it('says every known code in both languages, never the server text', async () => {
    for (const lang of ['en', 'de']) {
      await i18n.changeLanguage(lang);
      for (const code of knownCodes) {
        const text = errorText(t, new ApiError(400, 'raw server message', code));
        expect(text, code).not.toContain('raw server message');
        expect(text, code).not.toBe(`errors.${code}`);
      }
    }
  });

  it('names the refused field by its form label, and keeps the request id for server errors', async () => {
    await i18n.changeLanguage('en');
    expect(errorText(t, new ApiError(400, 'vat_id: "X" is not a VAT id', 'E_FAILED_SCHEMA_VALIDATION'))).toBe('Check the field “VAT id”: the server did not accept it.');
    expect(errorText(t, new ApiError(400, 'something odd', 'E_FAILED_SCHEMA_VALIDATION'))).toBe('The server did not accept the input. Check the form.');
    expect(errorText(t, new ApiError(500, 'Internal server error', 'E_INTERNAL', 'req-42'))).toContain('(Request req-42)');
    expect(errorText(t, new ApiError(404, 'Not Found'))).toMatch(/^Not found/);
    expect(errorText(t, new ApiError(403, 'Access denied.', 'E_ACCESS_DENIED'))).toBe('Your role in this organization does not allow this.');
    expect(errorText(t, new TypeError('Failed to fetch'))).toContain('cannot be reached');
  });

  it('lets a page say what a status means there', async () => {
    await i18n.changeLanguage('de');
    expect(errorText(t, new ApiError(401, 'wrong admin PIN', 'E_UNAUTHORIZED'), { 401: 'tss.pinWrong' })).toBe('Die Admin-PIN ist falsch.');
  });
});
