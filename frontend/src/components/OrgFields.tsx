import { SimpleGrid, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import type { OrgInput } from '../api/orgs';
import { country, orgName, required, taxNumber, vatId } from './validation';

export interface OrgFormValues {
  name: string;
  display_name: string;
  address_line1: string;
  address_line2: string;
  zip: string;
  town: string;
  country_code: string;
  vat_id: string;
  tax_number: string;
}

export const emptyOrg: OrgFormValues = {
  name: '', display_name: '', address_line1: '', address_line2: '', zip: '', town: '', country_code: 'DEU',
  vat_id: '', tax_number: '',
};

type T = (key: string, opts?: Record<string, unknown>) => string;

export const orgValidation = (t: T) => ({
  name: orgName(t),
  address_line1: required(t),
  zip: required(t),
  town: required(t),
  country_code: country(t),
  vat_id: vatId(t),
  tax_number: taxNumber(t),
});

/** The body for create or PATCH: empty optional fields are left out on
 * create and cleared (null) on edit. */
export function orgBody(v: OrgFormValues, clearEmpty: boolean): OrgInput {
  const body: OrgInput = {};
  for (const k of Object.keys(v) as (keyof OrgFormValues)[]) {
    const s = v[k].trim();
    if (s) body[k] = k === 'vat_id' ? s.toUpperCase() : s;
    else if (clearEmpty) body[k] = null;
  }
  return body;
}

/** The address and tax fields shared by the create and edit forms. */
export function OrgFields<V extends OrgFormValues>({ form }: { form: UseFormReturnType<V> }) {
  const { t } = useTranslation();
  const country = form.getInputProps('country_code');
  return (
    <>
      <SimpleGrid cols={2}>
        <TextInput label={t('form.orgName')} withAsterisk {...form.getInputProps('name')} />
        <TextInput label={t('org.displayName')} {...form.getInputProps('display_name')} />
      </SimpleGrid>
      <TextInput label={t('form.address')} withAsterisk {...form.getInputProps('address_line1')} />
      <TextInput label={t('org.address2')} {...form.getInputProps('address_line2')} />
      <SimpleGrid cols={3}>
        <TextInput label={t('form.zip')} withAsterisk {...form.getInputProps('zip')} />
        <TextInput label={t('form.town')} withAsterisk {...form.getInputProps('town')} />
        <TextInput
          label={t('form.country')}
          withAsterisk
          maxLength={3}
          {...country}
          onChange={(e) => country.onChange(e.currentTarget.value.toUpperCase())}
        />
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <TextInput label={t('org.vatId')} placeholder="DE123456789" {...form.getInputProps('vat_id')} />
        <TextInput label={t('org.taxNumber')} placeholder="12/345/67890" {...form.getInputProps('tax_number')} />
      </SimpleGrid>
    </>
  );
}
