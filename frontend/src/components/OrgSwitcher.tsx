import { Badge, Group, SegmentedControl, Select, type SelectProps, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import type { MeOrganization } from '../api/session';
import { switchPath } from '../org/paths';
import { type Env, useScope } from '../org/scope';
import { OrgLogo } from './OrgLogo';

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

/** The organization in view. Choosing another one opens the same page of it. */
export function OrgSwitcher() {
  const { t } = useTranslation();
  const { orgs, org, missing } = useScope();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const live = org._envs.includes('LIVE');
  const byId = new Map(orgs.map((o) => [o._id, o]));
  const renderOption: SelectProps['renderOption'] = ({ option }) => {
    const o = byId.get(option.value);
    return (
      <Group gap="xs" wrap="nowrap" justify="space-between" w="100%">
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          {o && <OrgLogo org={o} size={20} />}
          <Text size="sm" truncate>{option.label}</Text>
        </Group>
        {o?._type === 'MANAGED_ORGANIZATION' && <Badge size="xs" variant="light" color="grape" style={{ flexShrink: 0 }}>{t('scope.managed')}</Badge>}
      </Group>
    );
  };
  return (
    <Group gap="xs" wrap="nowrap" style={{ minWidth: 0, flex: '0 1 auto' }}>
      <Select
        aria-label={t('scope.org')}
        data={switcherData(orgs, t('scope.managed'))}
        // An org the URL names but the user does not see selects nothing.
        value={missing ? null : org._id}
        placeholder={t('scope.choose')}
        onChange={(v) => v && navigate(switchPath(pathname, v))}
        allowDeselect={false}
        searchable
        limit={200}
        w={{ base: '100%', sm: 260 }}
        miw={0}
        size="sm"
        leftSection={missing ? undefined : <OrgLogo org={org} size={20} />}
        comboboxProps={{ width: 'min(340px, calc(100vw - 16px))', position: 'bottom-start' }}
        renderOption={renderOption}
        data-testid="org-switcher"
        data-org={org._id}
      />
      {org._type === 'MANAGED_ORGANIZATION' && (
        <Badge variant="light" color="grape" visibleFrom="lg" style={{ flexShrink: 0 }}>
          {t('scope.managed')}
        </Badge>
      )}
      <EnvSwitch visibleFrom="sm" />
      {!live && (
        <Text size="xs" c="dimmed" visibleFrom="xl" style={{ whiteSpace: 'nowrap' }} data-testid="scope-not-live">
          {t('scope.notLive')}
        </Text>
      )}
    </Group>
  );
}

/** TEST or LIVE; LIVE only for an organization that went live. */
export function EnvSwitch({ visibleFrom }: { visibleFrom?: 'sm' }) {
  const { t } = useTranslation();
  const { org, env, setEnv } = useScope();
  const live = org._envs.includes('LIVE');
  return (
    <SegmentedControl
      aria-label={t('scope.env')}
      size="xs"
      value={env}
      visibleFrom={visibleFrom}
      onChange={(v) => setEnv(v as Env)}
      data={[
        { value: 'TEST', label: 'TEST' },
        { value: 'LIVE', label: 'LIVE', disabled: !live },
      ]}
    />
  );
}
