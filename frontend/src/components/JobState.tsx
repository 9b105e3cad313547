import { Badge, Progress, Text } from '@mantine/core';

const color: Record<string, string> = { PENDING: 'gray', WORKING: 'blue', COMPLETED: 'green', ERROR: 'red', CANCELLED: 'gray', DELETED: 'gray' };

/** The state of a background job (export, closing validation), its progress while it runs and its error. */
export function JobState({ state, error }: { state: string; error?: string }) {
  return (
    <>
      <Badge variant="light" color={color[state] ?? 'gray'}>{state}</Badge>
      {(state === 'PENDING' || state === 'WORKING') && <Progress mt={4} value={100} animated size="xs" />}
      {error && <Text size="xs" c="red">{error}</Text>}
    </>
  );
}
