import { Route, Routes } from 'react-router';
import { RequireSession } from './components/RequireSession';
import { AppLayout } from './layout/AppLayout';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { BillingPage } from './pages/BillingPage';
import { CashRegistersPage } from './pages/CashRegistersPage';
import { ExportsPage } from './pages/ExportsPage';
import { InvitePage } from './pages/InvitePage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OrganizationPage } from './pages/OrganizationPage';
import { OrganizationsPage } from './pages/OrganizationsPage';
import { OverviewPage } from './pages/OverviewPage';
import { SandboxPage } from './pages/SandboxPage';
import { SetupPage } from './pages/SetupPage';
import { TssListPage } from './pages/TssListPage';
import { TssPage } from './pages/TssPage';
import { WorkstationPage } from './pages/WorkstationPage';

export function App() {
  return (
    <Routes>
      <Route path="setup" element={<SetupPage />} />
      <Route path="login" element={<LoginPage />} />
      <Route path="invite/:token" element={<InvitePage />} />
      <Route
        element={
          <RequireSession>
            <AppLayout />
          </RequireSession>
        }
      >
        <Route index element={<OverviewPage />} />
        <Route path="organizations" element={<OrganizationsPage />} />
        <Route path="organizations/:id" element={<OrganizationPage />} />
        <Route path="developers/api-keys" element={<ApiKeysPage />} />
        <Route path="tss" element={<TssListPage />} />
        <Route path="tss/:id" element={<TssPage />} />
        <Route path="exports" element={<ExportsPage />} />
        <Route path="cash-registers" element={<CashRegistersPage />} />
        <Route path="billing" element={<BillingPage />} />
        <Route path="sandbox" element={<SandboxPage />} />
        <Route path="settings/workstation" element={<WorkstationPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
