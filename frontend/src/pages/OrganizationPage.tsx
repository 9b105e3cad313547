import { Alert, Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconKey, IconRocket } from '@tabler/icons-react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { type Org, useGoLive, useOrg, useOrgs, useUpdateOrg } from '../api/orgs';
import { OrgFields, type OrgFormValues, emptyOrg, orgBody, orgValidation } from '../components/OrgFields';
import { QueryState } from '../components/QueryState';
import { useScope } from '../org/scope';
import { EnvBadges, TypeBadge } from './OrganizationsPage';
import { BillingAddressCard } from './org/BillingAddressCard';
import { BillingOptionsCard } from './org/BillingOptionsCard';
import { HandOverCard } from './org/HandOverCard';
import { LogoCard } from './org/LogoCard';
import { MembersCard } from './org/MembersCard';

function formValues(o: Org): OrgFormValues {
  const v = { ...emptyOrg };
  for (const k of Object.keys(v) as (keyof OrgFormValues)[]) v[k] = (o[k] as string | undefined) ?? '';
  return v;
}

export function OrganizationPage() {
  const { id = '' } = useParams();
  const org = useOrg(id);
  return <QueryState q={org}>{(o) => <OrganizationDetail org={o} />}</QueryState>;
}

function OrganizationDetail({ org }: { org: Org }) {
  const { t } = useTranslation();
  const scope = useScope();
  const all = useOrgs();
  const update = useUpdateOrg(org._id);
  const goLive = useGoLive(org._id);
  const form = useForm<OrgFormValues>({ mode: 'controlled', initialValues: formValues(org), validate: orgValidation(t) });
  // A saved change comes back from the server; the form follows it.
  useEffect(() => {
    form.setValues(formValues(org));
    form.resetDirty(formValues(org));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [org]);
  const parent = all.data?.data.find((o) => o._id === org.managed_by_organization_id);
  const managed = all.data?.data.filter((o) => o.managed_by_organization_id === org._id) ?? [];
  const live = org._envs.includes('LIVE');
  const canWrite = scope.orgs.find((o) => o._id === org._id)?.role !== 'member';
  // Only the administering org can hand administration over.
  const administrator = org.administered_by_organization_id
    ? scope.orgs.find((o) => o._id === org.administered_by_organization_id && o.role !== 'member')
    : undefined;

  const submit = form.onSubmit((v) => update.mutate(orgBody(v, true)));

  return (
    <Stack gap="lg" maw={960}>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={2}>{org.name}</Title>
            <TypeBadge org={org} />
            <EnvBadges envs={org._envs} />
          </Group>
          <Text c="dimmed" size="sm" ff="monospace">{org._id}</Text>
          {parent && (
            <Text size="sm">
              {t('org.managedBy')} <Anchor component={Link} to={`/organizations/${parent._id}`}>{parent.name}</Anchor>
            </Text>
          )}
        </div>
        <Button
          variant="light"
          leftSection={<IconKey size={16} />}
          onClick={() => scope.setOrg(org._id)}
          component={Link}
          to="/developers/api-keys"
        >
          {t('org.keysOf')}
        </Button>
      </Group>

      <Card withBorder padding="lg">
        <Title order={4} mb="sm">{t('org.details')}</Title>
        <form onSubmit={submit} noValidate>
          <Stack>
            {update.error && <Alert color="red">{update.error.message}</Alert>}
            {update.isSuccess && !form.isDirty() && <Alert color="teal">{t('org.saved')}</Alert>}
            <OrgFields form={form} />
            <Group justify="flex-end">
              <Button type="submit" loading={update.isPending} disabled={!form.isDirty()}>{t('common.save')}</Button>
            </Group>
          </Stack>
        </form>
      </Card>

      <Card withBorder padding="lg">
        <Title order={4} mb="sm">{t('org.goLive')}</Title>
        {live ? (
          <Alert color="green">{t('org.isLive')}</Alert>
        ) : (
          <Stack>
            <Text size="sm">{t('org.goLiveHint')}</Text>
            {goLive.error && <Alert color="red">{goLive.error.message}</Alert>}
            <Group>
              <Button color="green" leftSection={<IconRocket size={16} />} loading={goLive.isPending} onClick={() => goLive.mutate()}>
                {t('org.goLiveButton')}
              </Button>
            </Group>
          </Stack>
        )}
      </Card>

      <MembersCard orgId={org._id} canWrite={canWrite} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <BillingOptionsCard org={org} canWrite={canWrite} />
        <BillingAddressCard org={org} canWrite={canWrite} />
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
                    <Table.Td><Anchor component={Link} to={`/organizations/${m._id}`}>{m.name}</Anchor></Table.Td>
                    <Table.Td>{m.town}</Table.Td>
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
