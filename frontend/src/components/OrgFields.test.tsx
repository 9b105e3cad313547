import { orgBody, orgValidation } from './OrgFields';
import { keyName, taxNumber, vatId } from './validation';

const t = (k: string) => k;

describe('organization form rules', () => {
  it('checks VAT ids as the server does: DE and 9 digits, other countries 2–13 characters', () => {
    const v = vatId(t);
    expect(v('')).toBeNull();
    expect(v('DE123456789')).toBeNull();
    expect(v('de123456789')).toBeNull();
    expect(v('DE12345')).toBe('form.vatInvalidDE');
    expect(v('ATU12345678')).toBeNull();
    expect(v('A')).toBe('form.vatInvalid');
  });

  it('accepts tax numbers as people write them', () => {
    const v = taxNumber(t);
    expect(v('12/345/67890')).toBeNull();
    expect(v('1234567890123')).toBeNull();
    expect(v('123')).toBe('form.taxInvalid');
    expect(v('12345678901234')).toBe('form.taxInvalid');
  });

  it('names API keys with 3–30 of the allowed characters', () => {
    const v = keyName(t);
    expect(v('Kasse Filiale 1')).toBeNull();
    expect(v('Café_1.a-b')).toBeNull();
    expect(v('x')).toBe('form.keyNameInvalid');
    expect(v('a'.repeat(31))).toBe('form.keyNameInvalid');
    expect(v('bad/name')).toBe('form.keyNameInvalid');
  });

  it('requires the address and a three-letter country', () => {
    const r = orgValidation(t);
    expect(r.country_code('DE')).toBe('form.countryInvalid');
    expect(r.country_code('DEU')).toBeNull();
    expect(r.address_line1(' ')).toBe('form.required');
  });

  it('leaves empty fields out on create and clears them on edit, upper-casing the VAT id', () => {
    const v = { name: 'Café', display_name: '', address_line1: 'A 1', address_line2: '', zip: '1', town: 'T', country_code: 'DEU', vat_id: 'de123456789', tax_number: ' ' };
    expect(orgBody(v, false)).toEqual({ name: 'Café', address_line1: 'A 1', zip: '1', town: 'T', country_code: 'DEU', vat_id: 'DE123456789' });
    expect(orgBody(v, true)).toMatchObject({ display_name: null, address_line2: null, tax_number: null });
  });
});
