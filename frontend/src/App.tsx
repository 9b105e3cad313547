import { Navigate, Outlet, Route, Routes, useParams } from 'react-router';
import { RequireSession } from './components/RequireSession';
import { AppLayout } from './layout/AppLayout';
import { orgPath, type Section } from './org/paths';
import { useScope } from './org/scope';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { BillingPage } from './pages/BillingPage';
import { CashRegistersPage } from './pages/CashRegistersPage';
import { ExportsPage } from './pages/ExportsPage';
import { InvitePage } from './pages/InvitePage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage, OrgNotFoundPage } from './pages/NotFoundPage';
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
        <Route index element={<InOrg section="overview" />} />
        <Route path="organizations" element={<OrganizationsPage />} />
        <Route path="organizations/:orgId" element={<OrgScope />}>
          <Route index element={<OrganizationPage />} />
          <Route path="overview" element={<OverviewPage />} />
          <Route path="tss" element={<TssListPage />} />
          <Route path="tss/:id" element={<TssPage />} />
          <Route path="exports" element={<ExportsPage />} />
          <Route path="cash-registers" element={<CashRegistersPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="sandbox" element={<SandboxPage />} />
          <Route path="billing" element={<BillingPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
        {/* Paths of earlier versions (bookmarks, the desktop menu): the same page of the current organization. */}
        <Route path="tss" element={<InOrg section="tss" />} />
        <Route path="tss/:id" element={<InOrg section="tss" />} />
        <Route path="exports" element={<InOrg section="exports" />} />
        <Route path="cash-registers" element={<InOrg section="cash-registers" />} />
        <Route path="developers/api-keys" element={<InOrg section="api-keys" />} />
        <Route path="sandbox" element={<InOrg section="sandbox" />} />
        <Route path="billing" element={<InOrg section="billing" />} />
        <Route path="settings/workstation" element={<WorkstationPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** Sends a path without an organization to that section of the current one. */
function InOrg({ section }: { section: Section }) {
  const { org } = useScope();
  const { id } = useParams();
  return <Navigate to={orgPath(org._id, section, id ? `/${id}` : '')} replace />;
}

/** The pages of one organization: at once "not found" when the user does
 * not see it (no request, no waiting); otherwise its pages, started afresh
 * for each organization so no page state leaks from one to the next. */
function OrgScope() {
  const { org, missing } = useScope();
  if (missing) return <OrgNotFoundPage />;
  return (
    <div key={org._id} style={{ display: 'contents' }}>
      <Outlet />
    </div>
  );
}
