import { Center, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiError } from '../api/client';
import { useMe, useSetupStatus } from '../api/session';
import { ScopeProvider } from '../org/scope';

/** Sends a visitor to first-start setup or to login until a session exists. */
export function RequireSession({ children }: { children: ReactNode }) {
  const location = useLocation();
  const setup = useSetupStatus();
  const me = useMe(setup.data?.required === false);

  if (setup.data?.required) return <Navigate to="/setup" replace />;
  if (me.error instanceof ApiError && me.error.status === 401) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (me.data) return <ScopeProvider me={me.data}>{children}</ScopeProvider>;
  if (setup.isError || me.isError) throw setup.error ?? me.error;
  return (
    <Center h="100vh">
      <Loader />
    </Center>
  );
}
