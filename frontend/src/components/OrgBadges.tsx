import { Badge, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Org } from '../api/orgs';

export function TypeBadge({ org }: { org: Pick<Org, '_type'> }) {
  const { t } = useTranslation();
  return org._type === 'MANAGED_ORGANIZATION' ? (
    <Badge variant="light" color="grape" style={{ flexShrink: 0 }}>{t('scope.managed')}</Badge>
  ) : (
    <Badge variant="light" color="gray" style={{ flexShrink: 0 }}>{t('org.main')}</Badge>
  );
}

export function EnvBadges({ envs }: { envs: string[] }) {
  return (
    <Group gap={4} wrap="nowrap">
      {envs.map((e) => (
        <Badge key={e} size="sm" variant={e === 'LIVE' ? 'filled' : 'outline'} color={e === 'LIVE' ? 'green' : 'blue'} style={{ flexShrink: 0 }}>
          {e}
        </Badge>
      ))}
    </Group>
  );
}
