import { Alert, Button, Card, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useAddresses, useCreateAddress } from '../../api/addresses';
import { errorText } from '../../api/errors';
import { type Org, useUpdateOrg } from '../../api/orgs';
import { CountrySelect } from '../../components/CountrySelect';
import { QueryState } from '../../components/QueryState';
import { country, email, required, vatId } from '../../components/validation';

/** The address printed on this org's invoices; without one, the org's own address is used. */
export function BillingAddressCard({ org, canWrite }: { org: Org; canWrite: boolean }) {
  const { t } = useTranslation();
  const addresses = useAddresses();
  const update = useUpdateOrg(org._id);
  const [opened, { open, close }] = useDisclosure();
  const saved = () => notifications.show({ color: 'teal', message: t('address.saved') });
  return (
    <Card withBorder padding="lg" data-fix="billing-address">
      <Title order={4} mb="xs">{t('address.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('address.intro')}</Text>
      <QueryState q={addresses}>
        {(l) => (
          <Stack>
            {update.error && <Alert color="red">{errorText(t, update.error)}</Alert>}
            <Select
              label={t('address.select')}
              placeholder={t('address.none')}
              clearable
              disabled={!canWrite}
              data={l.data.map((a) => ({ value: a._id, label: `${a.company_name}, ${a.town}` }))}
              value={org.billing_address_id ?? null}
              onChange={(v) => update.mutate({ billing_address_id: v }, { onSuccess: saved })}
            />
            {canWrite && (
              <Group>
                <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={open}>{t('address.create')}</Button>
              </Group>
            )}
          </Stack>
        )}
      </QueryState>
      {opened && <AddressModal org={org} onClose={close} onCreated={(id) => update.mutate({ billing_address_id: id }, { onSuccess: saved })} />}
    </Card>
  );
}

function AddressModal({ org, onClose, onCreated }: { org: Org; onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useTranslation();
  const create = useCreateAddress();
  const form = useForm({
    mode: 'controlled',
    initialValues: {
      company_name: org.name, address_line1: org.address_line1 ?? '', zip: org.zip ?? '', town: org.town ?? '', country_code: org.country_code ?? '',
      vat_id: org.vat_id ?? '', invoice_email: '',
    },
    validate: {
      company_name: required(t), address_line1: required(t), zip: required(t), town: required(t), country_code: country(t), vat_id: vatId(t),
      invoice_email: (v) => (v ? email(t)(v) : null),
    },
  });
  const submit = form.onSubmit(async (v) => {
    const a = await create
      .mutateAsync({ ...v, organization_id: org._id, vat_id: v.vat_id.trim().toUpperCase() || undefined, invoice_email: v.invoice_email.trim() || undefined })
      .catch(() => undefined);
    if (!a) return;
    onCreated(a._id);
    onClose();
  });
  return (
    <Modal opened onClose={onClose} title={t('address.create')} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          {create.error && <Alert color="red">{errorText(t, create.error)}</Alert>}
          <TextInput label={t('address.company')} withAsterisk {...form.getInputProps('company_name')} />
          <TextInput label={t('form.address')} withAsterisk {...form.getInputProps('address_line1')} />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label={t('form.zip')} withAsterisk {...form.getInputProps('zip')} />
            <TextInput label={t('form.town')} withAsterisk {...form.getInputProps('town')} />
            <CountrySelect withAsterisk {...form.getInputProps('country_code')} comboboxProps={{ withinPortal: true }} />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('org.vatId')} {...form.getInputProps('vat_id')} />
            <TextInput label={t('address.email')} type="email" {...form.getInputProps('invoice_email')} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={create.isPending}>{t('common.save')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
