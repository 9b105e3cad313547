import { Alert, Button, Card, Checkbox, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { type Org, useOrgs, useUpdateOrg } from '../../api/orgs';

/** Who pays for this org, and whether it sees billing at all. Changes apply from the next month. */
export function BillingOptionsCard({ org, canWrite }: { org: Org; canWrite: boolean }) {
  const { t } = useTranslation();
  const all = useOrgs();
  const update = useUpdateOrg(org._id);
  const initial = () => ({
    withhold_billing: org.billing_options?.withhold_billing ?? false,
    bill_to_organization: (org.billing_options?.bill_to_organization ?? null) as string | null,
    gln: org.billing_options?.gln ?? '',
  });
  const form = useForm({
    mode: 'controlled',
    initialValues: initial(),
    validate: { gln: (v) => (!v || /^\d{13}$/.test(v) ? null : t('billingOptions.glnInvalid')) },
  });
  useEffect(() => {
    form.setValues(initial());
    form.resetDirty(initial());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [org]);
  const payers = (all.data?.data ?? []).filter((o) => o._id !== org._id).map((o) => ({ value: o._id, label: o.name }));
  const submit = form.onSubmit((v) =>
    update.mutate(
      { billing_options: { withhold_billing: v.withhold_billing, bill_to_organization: v.bill_to_organization || undefined, gln: v.gln || undefined } },
      { onSuccess: () => notifications.show({ color: 'teal', message: t('billingOptions.saved') }) },
    ),
  );
  return (
    <Card withBorder padding="lg" data-fix="billing-options">
      <Title order={4} mb="xs">{t('billingOptions.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('billingOptions.intro')}</Text>
      <form onSubmit={submit} noValidate>
        <Stack>
          {update.error && <Alert color="red">{errorText(t, update.error)}</Alert>}
          <Select label={t('billingOptions.billTo')} placeholder={t('billingOptions.billToDefault')} clearable data={payers} disabled={!canWrite}
            {...form.getInputProps('bill_to_organization')} />
          <Checkbox label={t('billingOptions.withhold')} description={t('billingOptions.withholdHint')} disabled={!canWrite}
            {...form.getInputProps('withhold_billing', { type: 'checkbox' })} />
          <TextInput label={t('billingOptions.gln')} placeholder="4012345000009" disabled={!canWrite} {...form.getInputProps('gln')} />
          {canWrite && (
            <Group justify="flex-end">
              <Button type="submit" disabled={!form.isDirty()} loading={update.isPending}>{t('common.save')}</Button>
            </Group>
          )}
        </Stack>
      </form>
    </Card>
  );
}
