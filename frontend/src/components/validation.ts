// Client-side checks mirror the server's rules so a form says what is
// wrong before it is sent; the server stays the authority.

export const MIN_PASSWORD = 10;

type T = (key: string, opts?: Record<string, unknown>) => string;

export const required = (t: T) => (v: string) => (v.trim() ? null : t('form.required'));
export const email = (t: T) => (v: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? null : t('form.invalidEmail'));
export const password = (t: T) => (v: string) => (v.length >= MIN_PASSWORD ? null : t('form.passwordShort', { min: MIN_PASSWORD }));
export const orgName = (t: T) => (v: string) => (v.trim().length >= 3 ? null : t('form.nameShort'));
export const country = (t: T) => (v: string) => (/^[A-Z]{3}$/.test(v) ? null : t('form.countryInvalid'));
