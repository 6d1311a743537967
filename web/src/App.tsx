import { Navigate, Route, Routes, useLocation } from 'react-router';
import type { ReactNode } from 'react';
import type { Role } from './api/types.ts';
import { useAuth } from './auth/AuthContext.tsx';
import { canListPatients, canOpenCharts, canReadAudit, homePath } from './auth/home.ts';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { Layout } from './components/Layout.tsx';
import { Loading } from './components/Loading.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { MyIntakePage, StaffIntakePage } from './pages/IntakePage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { PatientChartPage } from './pages/PatientChartPage.tsx';
import { PatientListPage } from './pages/PatientListPage.tsx';
import { RiskPanelPage } from './pages/RiskPanelPage.tsx';
import { LearnerHome, NotAllowedPage, NotFoundPage } from './pages/SimplePages.tsx';
import { MyPlanPage } from './plans/MyPlanPage.tsx';

/** Signed-in pages: nobody signed in goes to the login form, which brings them back here after. */
function RequireUser({ children }: { children: ReactNode }) {
  const { user, loadError } = useAuth();
  const location = useLocation();
  if (user === undefined) return <Loading />;
  if (user === null) {
    return (
      <>
        {loadError !== undefined && <ErrorNotice error={loadError} />}
        <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />
      </>
    );
  }
  return children;
}

/** A page for some roles only; others see "not allowed" (the server refuses them too). */
function RoleGate({ allow, children }: { allow: (role: Role) => boolean; children: ReactNode }) {
  const { user } = useAuth();
  if (!user) return null;
  return allow(user.role) ? children : <NotAllowedPage />;
}

function Home() {
  const { user } = useAuth();
  return user ? <Navigate to={homePath(user)} replace /> : null;
}

export function App() {
  const { user } = useAuth();
  if (user === undefined) return <Loading />;
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireUser>
            <Layout />
          </RequireUser>
        }
      >
        <Route index element={<Home />} />
        <Route
          path="patients"
          element={
            <RoleGate allow={canListPatients}>
              <PatientListPage />
            </RoleGate>
          }
        />
        <Route
          path="patients/:id"
          element={
            <RoleGate allow={canOpenCharts}>
              <PatientChartPage />
            </RoleGate>
          }
        />
        <Route
          path="patients/:id/intake"
          element={
            <RoleGate allow={canListPatients}>
              <StaffIntakePage />
            </RoleGate>
          }
        />
        <Route
          path="intake"
          element={
            <RoleGate allow={(role) => role === 'patient'}>
              <MyIntakePage />
            </RoleGate>
          }
        />
        <Route
          path="my-plan"
          element={
            <RoleGate allow={(role) => role === 'patient'}>
              <MyPlanPage />
            </RoleGate>
          }
        />
        <Route
          path="risk"
          element={
            <RoleGate allow={canListPatients}>
              <RiskPanelPage />
            </RoleGate>
          }
        />
        <Route
          path="audit"
          element={
            <RoleGate allow={canReadAudit}>
              <AuditPage />
            </RoleGate>
          }
        />
        <Route path="learn" element={<LearnerHome />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
