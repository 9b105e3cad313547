import { ActionIcon, Alert, Anchor, Box, Button, Checkbox, Group, Modal, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconChevronRight, IconPlus, IconSearch } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorText } from '../api/errors';
import type { ApiKey } from '../api/keys';
import { type Org, useCreateOrg, useOrgs } from '../api/orgs';
import { OrgFields, type OrgFormValues, emptyOrg, orgBody, orgValidation } from '../components/OrgFields';
import { EnvBadges, TypeBadge } from '../components/OrgBadges';
import { OrgLogo } from '../components/OrgLogo';
import { QueryState } from '../components/QueryState';
import { SecretReveal } from '../components/SecretReveal';
import { orgPath } from '../org/paths';
import { useScope } from '../org/scope';

/** A main organization with the managed organizations below it. */
export interface OrgNode {
  org: Org;
  children: Org[];
  /** The organization that administers this main one (created it with its key), when the user sees it. */
  administeredBy?: Org;
}

/** The visible organizations as a tree: main organizations by name, each
 * with its managed ones; a managed one whose parent the user does not see
 * (a customer's own user) stands on its own. */
export function orgTree(orgs: Org[]): OrgNode[] {
  const byId = new Map(orgs.map((o) => [o._id, o]));
  const byName = (a: Org, b: Org) => a.name.localeCompare(b.name);
  const nodes = orgs
    .filter((o) => o._type === 'ORGANIZATION' || !byId.has(o.managed_by_organization_id ?? ''))
    .sort(byName)
    .map((o) => ({
      org: o,
      children: orgs.filter((c) => c.managed_by_organization_id === o._id && c._type === 'MANAGED_ORGANIZATION').sort(byName),
      administeredBy: o.administered_by_organization_id ? byId.get(o.administered_by_organization_id) : undefined,
    }));
  return nodes;
}

const matches = (o: Org, q: string) =>
  [o.name, o.display_name, o.town, o._id].some((f) => f?.toLowerCase().includes(q));

/** The tree narrowed to q: a main org that matches keeps all its managed
 * orgs; otherwise it stays only for the managed orgs that match. */
export function filterTree(tree: OrgNode[], search: string): OrgNode[] {
  const q = search.trim().toLowerCase();
  if (!q) return tree;
  return tree.flatMap((n) => {
    if (matches(n.org, q)) return [n];
    const children = n.children.filter((c) => matches(c, q));
    return children.length ? [{ ...n, children }] : [];
  });
}

const CHILDREN_SHOWN = 25;

export function OrganizationsPage() {
  const { t } = useTranslation();
  const orgs = useOrgs();
  const [opened, { open, close }] = useDisclosure();
  const [newKey, setNewKey] = useState<ApiKey | null>(null);
  const [search, setSearch] = useState('');
  const { orgs: mine } = useScope();
  // Creating needs owner or admin on a main organization (its managed ones, or new main ones).
  const parents = mine.filter((o) => o._type === 'ORGANIZATION' && o.role !== 'member');

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('org.title')}</Title>
          <Text c="dimmed">{t('org.intro')}</Text>
        </div>
        {parents.length > 0 && (
          <Button leftSection={<IconPlus size={16} />} onClick={open}>
            {t('org.create')}
          </Button>
        )}
      </Group>
      <TextInput
        leftSection={<IconSearch size={16} />}
        placeholder={t('org.search')}
        aria-label={t('org.search')}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={420}
        data-testid="org-search"
      />
      <QueryState q={orgs}>{(list) => <OrgTreeTable orgs={list.data} search={search} />}</QueryState>
      <CreateOrgModal
        opened={opened}
        onClose={close}
        parents={(orgs.data?.data ?? []).filter((o) => parents.some((p) => p._id === o._id))}
        onKey={setNewKey}
      />
      <SecretReveal apiKey={newKey} onClose={() => setNewKey(null)} />
    </Stack>
  );
}

function OrgTreeTable({ orgs, search }: { orgs: Org[]; search: string }) {
  const { t } = useTranslation();
  const tree = useMemo(() => orgTree(orgs), [orgs]);
  const shown = useMemo(() => filterTree(tree, search), [tree, search]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [expandedAll, setExpandedAll] = useState<Set<string>>(new Set());
  if (shown.length === 0) return <Alert color="gray">{t('org.noMatch')}</Alert>;
  const toggle = (id: string) =>
    setCollapsed((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  return (
    <Table.ScrollContainer minWidth={0}>
      <Table withTableBorder data-testid="org-table" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('form.orgName')}</Table.Th>
            <Table.Th visibleFrom="sm">{t('form.town')}</Table.Th>
            <Table.Th visibleFrom="xs">{t('org.envs')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        {shown.map((n) => {
          const open = search.trim() !== '' || !collapsed.has(n.org._id);
          const all = expandedAll.has(n.org._id) || search.trim() !== '';
          const children = all ? n.children : n.children.slice(0, CHILDREN_SHOWN);
          return (
            <Table.Tbody key={n.org._id} aria-label={n.org.name} style={{ borderTop: '2px solid var(--mantine-color-default-border)' }}>
              <Table.Tr aria-level={1}>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    {n.children.length > 0 ? (
                      <ActionIcon variant="subtle" color="gray" size="sm" style={{ flexShrink: 0 }} onClick={() => toggle(n.org._id)}
                        aria-label={t(open ? 'org.collapse' : 'org.expand', { org: n.org.name })} aria-expanded={open}>
                        {open ? <IconChevronDown size={16} /> : <IconChevronRight size={16} />}
                      </ActionIcon>
                    ) : (
                      <Box w={22} visibleFrom="xs" style={{ flexShrink: 0 }} />
                    )}
                    <OrgLogo org={n.org} size={24} />
                    <div style={{ minWidth: 0 }}>
                      <Group gap={6} wrap="wrap">
                        <Anchor component={Link} to={orgPath(n.org._id)} fw={600} style={{ overflowWrap: 'anywhere' }}>{n.org.name}</Anchor>
                        <TypeBadge org={n.org} />
                      </Group>
                      {n.administeredBy && (
                        <Text size="xs" c="dimmed">
                          {t('org.administeredBy')}{' '}
                          <Anchor component={Link} to={orgPath(n.administeredBy._id)} size="xs">{n.administeredBy.name}</Anchor>
                        </Text>
                      )}
                      {n.children.length > 0 && (
                        <Text size="xs" c="dimmed">{t('org.managedCount', { count: n.children.length })}</Text>
                      )}
                      <Box hiddenFrom="xs" mt={4}><EnvBadges envs={n.org._envs} /></Box>
                    </div>
                  </Group>
                </Table.Td>
                <Table.Td visibleFrom="sm">{n.org.town}</Table.Td>
                <Table.Td visibleFrom="xs"><EnvBadges envs={n.org._envs} /></Table.Td>
              </Table.Tr>
              {open &&
                children.map((c) => (
                  <Table.Tr key={c._id} aria-level={2}>
                    <Table.Td pl={{ base: 'lg', sm: 46 }}>
                      <Group gap="xs" wrap="nowrap">
                        <OrgLogo org={c} size={20} />
                        <Group gap={6} wrap="wrap" style={{ minWidth: 0 }}>
                          <Anchor component={Link} to={orgPath(c._id)} style={{ overflowWrap: 'anywhere' }}>{c.name}</Anchor>
                          <TypeBadge org={c} />
                          <Box hiddenFrom="xs"><EnvBadges envs={c._envs} /></Box>
                        </Group>
                      </Group>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{c.town}</Table.Td>
                    <Table.Td visibleFrom="xs"><EnvBadges envs={c._envs} /></Table.Td>
                  </Table.Tr>
                ))}
              {open && children.length < n.children.length && (
                <Table.Tr>
                  <Table.Td colSpan={3} pl={{ base: 'md', sm: 46 }}>
                    <Button variant="subtle" size="xs" onClick={() => setExpandedAll((s) => new Set(s).add(n.org._id))}>
                      {t('org.showAll', { count: n.children.length })}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          );
        })}
      </Table>
    </Table.ScrollContainer>
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
    notifications.show({ color: 'teal', message: t('org.created', { org: created.name }) });
    if (created.api_key?.secret) onKey(created.api_key);
  });

  return (
    <Modal opened={opened} onClose={onClose} title={t('org.create')} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          {create.error && <Alert color="red">{errorText(t, create.error)}</Alert>}
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
