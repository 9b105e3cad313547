import { useQuery } from '@tanstack/react-query';
import { getJSON } from './client';

export interface Health {
  status: string;
  version: string;
  store_format: number;
}

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
