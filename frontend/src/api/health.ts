import { useQuery } from '@tanstack/react-query';
import { getJSON } from './client';
import type { Schemas } from './schema';

export type Health = Schemas['HealthBody'];

export const fetchHealth = () => getJSON<Health>('/healthz');

/** Polls /healthz so the header shows when the server goes away. */
export function useHealth() {
  return useQuery({
    queryKey: ['health'],
    queryFn: fetchHealth,
    refetchInterval: 10_000,
    retry: false,
  });
}
