import { SimpleGrid, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import type { OrgInput } from '../api/orgs';
import { CountrySelect } from './CountrySelect';
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

/** The address and tax fields shared by the create and edit forms;
 * readOnly shows them to someone who may not change them. */
export function OrgFields<V extends OrgFormValues>({ form, readOnly = false }: { form: UseFormReturnType<V>; readOnly?: boolean }) {
  const { t } = useTranslation();
  const ro = { readOnly, variant: readOnly ? 'filled' : undefined } as const;
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label={t('form.orgName')} withAsterisk={!readOnly} {...ro} {...form.getInputProps('name')} />
        <TextInput label={t('org.displayName')} {...ro} {...form.getInputProps('display_name')} />
      </SimpleGrid>
      <TextInput label={t('form.address')} withAsterisk={!readOnly} {...ro} {...form.getInputProps('address_line1')} />
      <TextInput label={t('org.address2')} {...ro} {...form.getInputProps('address_line2')} />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <TextInput label={t('form.zip')} withAsterisk={!readOnly} {...ro} {...form.getInputProps('zip')} />
        <TextInput label={t('form.town')} withAsterisk={!readOnly} {...ro} {...form.getInputProps('town')} />
        <CountrySelect withAsterisk={!readOnly} {...ro} {...form.getInputProps('country_code')} />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label={t('org.vatId')} placeholder={readOnly ? undefined : 'DE123456789'} {...ro} {...form.getInputProps('vat_id')} data-field="vat_id" />
        <TextInput label={t('org.taxNumber')} placeholder={readOnly ? undefined : '12/345/67890'} {...ro} {...form.getInputProps('tax_number')} />
      </SimpleGrid>
    </>
  );
}
