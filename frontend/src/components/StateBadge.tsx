import { Badge, type BadgeProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const colors: Record<string, string> = {
  CREATED: 'gray',
  UNINITIALIZED: 'yellow',
  INITIALIZED: 'green',
  DISABLED: 'red',
  ACTIVE: 'yellow',
  FINISHED: 'green',
  CANCELLED: 'gray',
  REGISTERED: 'green',
  DEREGISTERED: 'gray',
  PENDING: 'gray',
  WORKING: 'blue',
  COMPLETED: 'green',
  ERROR: 'red',
  DELETED: 'gray',
  draft: 'gray',
  issued: 'teal',
};

/** A state of a TSS, client, transaction, export or invoice in the UI
 * language, never cut short: the badge keeps its width. */
export function StateBadge({ state, ...rest }: { state: string } & Omit<BadgeProps, 'children'>) {
  const { t } = useTranslation();
  return (
    <Badge
      variant="light"
      color={colors[state] ?? 'gray'}
      data-state={state}
      style={{ flexShrink: 0, overflow: 'visible' }}
      styles={{ label: { overflow: 'visible', textOverflow: 'clip' } }}
      {...rest}
    >
      {t(`states.${state}`, { defaultValue: state })}
    </Badge>
  );
}
