import { Alert, Center, Loader } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api/errors';

/** Loading and error states of a query, the same on every page; errors in
 * the UI language, never the server's own text. */
export function QueryState<T>({ q, children }: { q: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (q.isError) return <Alert color="red" data-testid="query-error">{errorText(t, q.error)}</Alert>;
  if (q.data === undefined)
    return (
      <Center p="xl">
        <Loader size="sm" />
      </Center>
    );
  return <>{children(q.data)}</>;
}
