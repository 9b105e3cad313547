import { Badge, Group, SegmentedControl, Select, type SelectProps, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { MeOrganization } from '../api/session';
import { type Env, useScope } from '../org/scope';

/** Groups the user's orgs: each main org, then the orgs it manages. */
export function switcherData(orgs: MeOrganization[], managedLabel: string) {
  const main = orgs.filter((o) => o._type === 'ORGANIZATION');
  const managed = orgs.filter((o) => o._type === 'MANAGED_ORGANIZATION');
  const groups = main.map((m) => ({
    group: m.name,
    items: [
      { value: m._id, label: m.name },
      ...managed
        .filter((o) => o.managed_by_organization_id === m._id)
        .map((o) => ({ value: o._id, label: o.name })),
    ],
  }));
  // Managed orgs whose parent the user does not see (a managed org's own user).
  const orphans = managed.filter((o) => !main.some((m) => m._id === o.managed_by_organization_id));
  if (orphans.length) groups.push({ group: managedLabel, items: orphans.map((o) => ({ value: o._id, label: o.name })) });
  return groups;
}

export function OrgSwitcher() {
  const { t } = useTranslation();
  const { orgs, org, env, setOrg, setEnv } = useScope();
  const live = org._envs.includes('LIVE');
  const managedIds = new Set(orgs.filter((o) => o._type === 'MANAGED_ORGANIZATION').map((o) => o._id));
  const renderOption: SelectProps['renderOption'] = ({ option }) => (
    <Group gap="xs" wrap="nowrap" justify="space-between" w="100%">
      <Text size="sm" truncate>{option.label}</Text>
      {managedIds.has(option.value) && <Badge size="xs" variant="light" color="grape">{t('scope.managed')}</Badge>}
    </Group>
  );
  return (
    <Group gap="xs" wrap="nowrap">
      <Select
        aria-label={t('scope.org')}
        data={switcherData(orgs, t('scope.managed'))}
        value={org._id}
        onChange={(v) => v && setOrg(v)}
        allowDeselect={false}
        searchable
        w={260}
        size="sm"
        comboboxProps={{ width: 320 }}
        renderOption={renderOption}
        data-testid="org-switcher"
      />
      {org._type === 'MANAGED_ORGANIZATION' && (
        <Badge variant="light" color="grape" visibleFrom="lg">
          {t('scope.managed')}
        </Badge>
      )}
      <SegmentedControl
        aria-label={t('scope.env')}
        size="xs"
        value={env}
        onChange={(v) => setEnv(v as Env)}
        data={[
          { value: 'TEST', label: 'TEST' },
          { value: 'LIVE', label: 'LIVE', disabled: !live },
        ]}
      />
      {!live && (
        <Text size="xs" c="dimmed" visibleFrom="xl">
          {t('scope.notLive')}
        </Text>
      )}
    </Group>
  );
}
