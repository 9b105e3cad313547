import { Progress, Text } from '@mantine/core';
import { StateBadge } from './StateBadge';

/** The state of a background job (export, closing validation), its progress while it runs and its error. */
export function JobState({ state, error }: { state: string; error?: string }) {
  return (
    <>
      <StateBadge state={state} />
      {(state === 'PENDING' || state === 'WORKING') && <Progress mt={4} value={100} animated size="xs" />}
      {error && <Text size="xs" c="red">{error}</Text>}
    </>
  );
}
