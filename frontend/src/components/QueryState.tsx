import { Alert, Center, Loader } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** Loading and error states of a query, the same on every page. */
export function QueryState<T>({ q, children }: { q: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  if (q.isError) return <Alert color="red" title={q.error.name === 'ApiError' ? undefined : q.error.name}>{q.error.message}</Alert>;
  if (q.data === undefined)
    return (
      <Center p="xl">
        <Loader size="sm" />
      </Center>
    );
  return <>{children(q.data)}</>;
}
