import { Alert, Badge, Button, Checkbox, Group, Modal, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import type { ApiKey } from '../api/keys';
import { type Org, useCreateOrg, useOrgs } from '../api/orgs';
import { OrgFields, type OrgFormValues, emptyOrg, orgBody, orgValidation } from '../components/OrgFields';
import { QueryState } from '../components/QueryState';
import { SecretReveal } from '../components/SecretReveal';
import { useScope } from '../org/scope';

export function TypeBadge({ org }: { org: Pick<Org, '_type'> }) {
  const { t } = useTranslation();
  return org._type === 'MANAGED_ORGANIZATION' ? (
    <Badge variant="light" color="grape">{t('scope.managed')}</Badge>
  ) : (
    <Badge variant="light" color="gray">{t('org.main')}</Badge>
  );
}

export function EnvBadges({ envs }: { envs: string[] }) {
  return (
    <Group gap={4}>
      {envs.map((e) => (
        <Badge key={e} size="sm" variant={e === 'LIVE' ? 'filled' : 'outline'} color={e === 'LIVE' ? 'green' : 'blue'}>
          {e}
        </Badge>
      ))}
    </Group>
  );
}

export function OrganizationsPage() {
  const { t } = useTranslation();
  const orgs = useOrgs();
  const [opened, { open, close }] = useDisclosure();
  const [newKey, setNewKey] = useState<ApiKey | null>(null);
  const { canWrite } = useScope();
  const navigate = useNavigate();

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <div>
          <Title order={2}>{t('org.title')}</Title>
          <Text c="dimmed">{t('org.intro')}</Text>
        </div>
        <Button leftSection={<IconPlus size={16} />} onClick={open} disabled={!canWrite}>
          {t('org.create')}
        </Button>
      </Group>
      <QueryState q={orgs}>
        {(list) => {
          const byId = new Map(list.data.map((o) => [o._id, o]));
          return (
            <Table highlightOnHover withTableBorder striped data-testid="org-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('form.orgName')}</Table.Th>
                  <Table.Th>{t('org.type')}</Table.Th>
                  <Table.Th>{t('org.parent')}</Table.Th>
                  <Table.Th>{t('form.town')}</Table.Th>
                  <Table.Th>{t('org.envs')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.map((o) => (
                  <Table.Tr key={o._id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/organizations/${o._id}`)}>
                    <Table.Td>
                      <Link to={`/organizations/${o._id}`} onClick={(e) => e.stopPropagation()}>
                        {o.name}
                      </Link>
                    </Table.Td>
                    <Table.Td><TypeBadge org={o} /></Table.Td>
                    <Table.Td>{o.managed_by_organization_id ? (byId.get(o.managed_by_organization_id)?.name ?? '—') : '—'}</Table.Td>
                    <Table.Td>{o.town}</Table.Td>
                    <Table.Td><EnvBadges envs={o._envs} /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          );
        }}
      </QueryState>
      <CreateOrgModal
        opened={opened}
        onClose={close}
        parents={(orgs.data?.data ?? []).filter((o) => o._type === 'ORGANIZATION')}
        onKey={setNewKey}
      />
      <SecretReveal apiKey={newKey} onClose={() => setNewKey(null)} />
    </Stack>
  );
}

interface CreateValues extends OrgFormValues {
  managed: boolean;
  parent: string;
  generate_api_key: boolean;
}

export function CreateOrgModal({ opened, onClose, parents, onKey }: {
  opened: boolean;
  onClose: () => void;
  parents: Org[];
  onKey: (k: ApiKey) => void;
}) {
  const { t } = useTranslation();
  const { org } = useScope();
  const create = useCreateOrg();
  const defaultParent = parents.find((p) => p._id === org._id)?._id ?? parents[0]?._id ?? '';
  const form = useForm<CreateValues>({
    mode: 'controlled',
    initialValues: { ...emptyOrg, managed: false, parent: defaultParent, generate_api_key: true },
    validate: {
      ...orgValidation(t),
      parent: (v, values) => (values.managed && !v ? t('form.required') : null),
    },
  });

  // The parents arrive after the form is made: preselect the one in view.
  useEffect(() => {
    if (!form.values.parent && defaultParent) form.setFieldValue('parent', defaultParent);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [defaultParent]);

  const submit = form.onSubmit(async (v) => {
    const { managed, parent, generate_api_key, ...fields } = v;
    const body = orgBody(fields, false);
    if (managed) Object.assign(body, { managed_by_organization_id: parent, generate_api_key });
    const created = await create.mutateAsync(body).catch(() => undefined);
    if (!created) return;
    form.reset();
    onClose();
    if (created.api_key?.secret) onKey(created.api_key);
  });

  return (
    <Modal opened={opened} onClose={onClose} title={t('org.create')} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          {create.error && <Alert color="red">{create.error.message}</Alert>}
          <Checkbox
            label={t('org.createManaged')}
            description={t('org.createManagedHint')}
            {...form.getInputProps('managed', { type: 'checkbox' })}
          />
          {form.values.managed && (
            <>
              <Select
                label={t('org.parent')}
                withAsterisk
                data={parents.map((p) => ({ value: p._id, label: p.name }))}
                allowDeselect={false}
                {...form.getInputProps('parent')}
              />
              <Checkbox label={t('org.generateKey')} {...form.getInputProps('generate_api_key', { type: 'checkbox' })} />
            </>
          )}
          <OrgFields form={form} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={create.isPending}>{t('org.createSubmit')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
