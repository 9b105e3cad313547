import { Badge, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useHealth } from '../api/health';

/** Header badge: is the fiskaldesk server behind this page alive? */
export function HealthIndicator({ testId = 'health' }: { testId?: string }) {
  const { t } = useTranslation();
  const health = useHealth();

  if (health.isPending) {
    return (
      <Badge color="gray" variant="light" data-testid={testId}>
        {t('health.checking')}
      </Badge>
    );
  }
  if (health.isError) {
    return (
      <Tooltip label={t('health.downHint', { message: health.error.message })}>
        <Badge color="red" variant="light" data-testid={testId} data-state="down">
          {t('health.down')}
        </Badge>
      </Tooltip>
    );
  }
  return (
    <Badge color="teal" variant="light" data-testid={testId} data-state="ok">
      {t('health.ok', { version: health.data.version })}
    </Badge>
  );
}
