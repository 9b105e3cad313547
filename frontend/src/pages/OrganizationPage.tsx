import { Alert, Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconKey, IconLayoutDashboard } from '@tabler/icons-react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorText } from '../api/errors';
import { type Org, useOrg, useOrgs, useUpdateOrg } from '../api/orgs';
import { OrgFields, type OrgFormValues, emptyOrg, orgBody, orgValidation } from '../components/OrgFields';
import { OrgLogo } from '../components/OrgLogo';
import { QueryState } from '../components/QueryState';
import { orgPath } from '../org/paths';
import { useScope } from '../org/scope';
import { CustomerFigures } from './CustomerFigures';
import { EnvBadges, TypeBadge } from '../components/OrgBadges';
import { BillingAddressCard } from './org/BillingAddressCard';
import { BillingOptionsCard } from './org/BillingOptionsCard';
import { GoLiveCard } from './org/GoLiveCard';
import { HandOverCard } from './org/HandOverCard';
import { LogoCard } from './org/LogoCard';
import { MembersCard } from './org/MembersCard';

function formValues(o: Org): OrgFormValues {
  const v = { ...emptyOrg };
  for (const k of Object.keys(v) as (keyof OrgFormValues)[]) v[k] = (o[k] as string | undefined) ?? '';
  return v;
}

/** One organization: its figures, details, going live, users, billing, logo. */
export function OrganizationPage() {
  const { org: inView } = useScope();
  const org = useOrg(inView._id);
  return <QueryState q={org}>{(o) => <OrganizationDetail org={o} />}</QueryState>;
}

function OrganizationDetail({ org }: { org: Org }) {
  const { t } = useTranslation();
  const scope = useScope();
  const all = useOrgs();
  const update = useUpdateOrg(org._id);
  const form = useForm<OrgFormValues>({ mode: 'controlled', initialValues: formValues(org), validate: orgValidation(t) });
  // A saved change comes back from the server; the form follows it.
  useEffect(() => {
    form.setValues(formValues(org));
    form.resetDirty(formValues(org));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [org]);
  const byId = new Map((all.data?.data ?? []).map((o) => [o._id, o]));
  const parent = org.managed_by_organization_id ? byId.get(org.managed_by_organization_id) : undefined;
  const admin = org.administered_by_organization_id ? byId.get(org.administered_by_organization_id) : undefined;
  const managed = (all.data?.data ?? []).filter((o) => o.managed_by_organization_id === org._id);
  const { canWrite, billingVisible, role } = scope;
  // Only the administering org's owners and admins hand administration over.
  const administrator = org.administered_by_organization_id
    ? scope.orgs.find((o) => o._id === org.administered_by_organization_id && o.role !== 'member')
    : undefined;

  const submit = form.onSubmit((v) =>
    update.mutate(orgBody(v, true), { onSuccess: () => notifications.show({ color: 'teal', message: t('org.saved') }) }),
  );

  return (
    <Stack gap="lg" maw={1040}>
      <Group justify="space-between" align="flex-start" gap="sm">
        <Group gap="md" wrap="nowrap" align="flex-start" style={{ minWidth: 0 }}>
          <OrgLogo org={org} size={56} />
          <div style={{ minWidth: 0 }}>
            <Group gap="xs">
              <Title order={2} style={{ overflowWrap: 'anywhere' }}>{org.name}</Title>
              <TypeBadge org={org} />
              <EnvBadges envs={org._envs} />
            </Group>
            <Text c="dimmed" size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>{org._id}</Text>
            {parent && (
              <Text size="sm">
                {t('org.managedBy')} <Anchor component={Link} to={orgPath(parent._id)}>{parent.name}</Anchor>
              </Text>
            )}
            {admin && (
              <Text size="sm">
                {t('org.administeredBy')} <Anchor component={Link} to={orgPath(admin._id)}>{admin.name}</Anchor>
              </Text>
            )}
            <Text size="xs" c="dimmed">{t('org.yourRole', { role: t(`roles.${role}`) })}</Text>
          </div>
        </Group>
        <Group gap="xs">
          <Button variant="light" leftSection={<IconLayoutDashboard size={16} />} component={Link} to={orgPath(org._id, 'overview')}>
            {t('nav.overview')}
          </Button>
          <Button variant="light" leftSection={<IconKey size={16} />} component={Link} to={orgPath(org._id, 'api-keys')}>
            {t('org.keysOf')}
          </Button>
        </Group>
      </Group>

      <CustomerFigures org={org} />

      <Card withBorder padding="lg" data-fix="details">
        <Title order={4} mb="sm">{t('org.details')}</Title>
        <form onSubmit={submit} noValidate>
          <Stack>
            {update.error && <Alert color="red">{errorText(t, update.error)}</Alert>}
            <OrgFields form={form} readOnly={!canWrite} />
            {canWrite && (
              <Group justify="flex-end">
                <Button type="submit" loading={update.isPending} disabled={!form.isDirty()}>{t('common.save')}</Button>
              </Group>
            )}
          </Stack>
        </form>
      </Card>

      <GoLiveCard org={org} canWrite={canWrite} billingVisible={billingVisible} />

      <MembersCard orgId={org._id} role={role} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {billingVisible && <BillingOptionsCard org={org} canWrite={canWrite} />}
        {billingVisible && <BillingAddressCard org={org} canWrite={canWrite} />}
        <LogoCard org={org} canWrite={canWrite} />
        {administrator && <HandOverCard org={org} administrator={administrator.name} />}
      </SimpleGrid>

      {org._type === 'ORGANIZATION' && (
        <Card withBorder padding="lg">
          <Title order={4} mb="sm">{t('org.managedOrgs')}</Title>
          {managed.length === 0 ? (
            <Text c="dimmed" size="sm">{t('org.noManaged')}</Text>
          ) : (
            <Table>
              <Table.Tbody>
                {managed.map((m) => (
                  <Table.Tr key={m._id}>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <OrgLogo org={m} size={20} />
                        <Anchor component={Link} to={orgPath(m._id)}>{m.name}</Anchor>
                      </Group>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{m.town}</Table.Td>
                    <Table.Td><EnvBadges envs={m._envs} /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      )}
    </Stack>
  );
}
