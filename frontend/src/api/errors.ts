import type { TFunction } from 'i18next';
import { ApiError } from './client';

// What the dashboard says when a request fails. The server's messages are
// written for POS developers, in English; people in the dashboard get a
// sentence in their language per error code instead, and the request id
// for support. Nothing the server wrote reaches the screen as it is.

/** Codes with a sentence of their own under errors.<CODE>. */
export const knownCodes = [
  'E_ACCESS_DENIED',
  'E_ORGANIZATION_NOT_FOUND',
  'E_TSS_NOT_FOUND',
  'E_TX_NOT_FOUND',
  'E_CLIENT_NOT_FOUND',
  'E_EXPORT_NOT_FOUND',
  'E_API_KEY_NOT_FOUND',
  'E_USER_NOT_FOUND',
  'E_INVOICE_NOT_FOUND',
  'E_BILLING_ADDRESS_NOT_FOUND',
  'E_LIVE_REQUIREMENTS_NOT_MET',
  'E_ENV_NOT_ENABLED',
  'E_LAST_OWNER',
  'E_USER_CONFLICT',
  'E_LOGO_TOO_LARGE',
  'E_UNSUPPORTED_MEDIA_TYPE',
  'E_BODY_TOO_LARGE',
  'E_TSS_LIMIT_REACHED',
  'E_CLIENT_LIMIT_REACHED',
  'E_CLIENT_CONFLICT',
  'E_ILLEGAL_CLIENT_SERIAL',
  'E_CLIENT_DEREGISTERED',
  'E_ADMIN_LOGIN_FAILED',
  'E_ADMIN_PIN_BLOCKED',
  'E_ILLEGAL_TSS_STATE_CHANGE',
  'E_TSS_NOT_INITIALIZED',
  'E_TSS_DISABLED',
  'E_TOO_MANY_EXPORTS',
  'E_EXPORT_DUPLICATE_RATE_LIMITED',
  'E_TSS_ILLEGAL_STATE_TO_PERFORM_EXPORT',
  'E_CASH_POINT_CLOSING_NOT_FOUND',
  'E_INVOICE_ISSUED',
  'E_DISK_FULL',
  'E_TOO_MANY_REQUESTS',
  'E_ORGANIZATION_HAS_MANAGED_ORGANIZATIONS',
  'E_MANAGED_ORGANIZATION_NESTING',
  'E_NOT_A_BACKUP',
  'E_CSRF',
  'E_SETUP_TOKEN',
  'E_LAST_INSTALLATION_ADMIN',
  'E_ADMIN_PUK_BLOCKED',
] as const;

const known = new Set<string>(knownCodes);

/** Field names of the APIs → the form label keys that show them. */
const fieldLabels: Record<string, string> = {
  name: 'form.orgName',
  display_name: 'org.displayName',
  address_line1: 'form.address',
  address_line2: 'org.address2',
  zip: 'form.zip',
  town: 'form.town',
  country_code: 'form.country',
  vat_id: 'org.vatId',
  tax_number: 'org.taxNumber',
  email: 'form.email',
  password: 'form.password',
  new_password: 'account.new',
  description: 'tss.description',
  serial_number: 'tss.clientSerial',
  admin_pin: 'tss.adminPin',
  new_admin_pin: 'tss.newPin',
  admin_puk: 'tss.puk',
  company_name: 'address.company',
  invoice_email: 'address.email',
  'billing_options.gln': 'billingOptions.gln',
  logo: 'logo.title',
};

/** The sentence for error e in the UI language. byStatus names the
 * sentence a page has for a status in its context (a 401 from a PIN check
 * means a wrong PIN, not an ended session). */
export function errorText(t: TFunction, e: unknown, byStatus: Record<number, string> = {}): string {
  if (e instanceof ApiError && byStatus[e.status]) return t(byStatus[e.status]);
  if (!(e instanceof ApiError)) {
    // fetch rejects with a TypeError when the server cannot be reached.
    return e instanceof TypeError ? t('errors.network') : t('errors.generic');
  }
  const ref = e.requestId ? ' ' + t('errors.reference', { id: e.requestId }) : '';
  if (e.code && known.has(e.code)) return t(`errors.${e.code}`) + (e.status >= 500 ? ref : '');
  if (e.code === 'E_FAILED_SCHEMA_VALIDATION' || e.code === 'E_PARSER') {
    const field = /^([a-z_.[\]0-9]+):/.exec(e.message)?.[1];
    const label = field && fieldLabels[field] ? t(fieldLabels[field]) : undefined;
    return label ? t('errors.invalidField', { field: label }) : t('errors.invalid');
  }
  if (e.status === 401) return t('errors.unauthorized');
  if (e.status === 403) return t('errors.E_ACCESS_DENIED');
  if (e.status === 404) return t('errors.notFound');
  if (e.status === 409) return t('errors.conflict');
  if (e.status === 429) return t('errors.E_TOO_MANY_REQUESTS');
  if (e.status >= 500) return t('errors.server') + ref;
  return t('errors.generic') + ref;
}
