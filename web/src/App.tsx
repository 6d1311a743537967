import { Navigate, Route, Routes, useLocation } from 'react-router';
import { lazy, Suspense, type ReactNode } from 'react';
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

// The lesion pages load on first visit: they are many and most sessions never open them.
const ExamPage = lazy(() => import('./lesion/ExamPage.tsx').then((m) => ({ default: m.ExamPage })));
const EvolutionPage = lazy(() => import('./lesion/EvolutionPage.tsx').then((m) => ({ default: m.EvolutionPage })));
const ModelCardPage = lazy(() => import('./lesion/ModelCardPage.tsx').then((m) => ({ default: m.ModelCardPage })));
const PerformancePage = lazy(() => import('./lesion/PerformancePage.tsx').then((m) => ({ default: m.PerformancePage })));
const LesionSettingsPage = lazy(() => import('./lesion/SettingsPage.tsx').then((m) => ({ default: m.SettingsPage })));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

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
        <Route
          path="lesions/model-card"
          element={
            <RoleGate allow={canListPatients}>
              <Lazy>
                <ModelCardPage />
              </Lazy>
            </RoleGate>
          }
        />
        <Route
          path="lesions/performance"
          element={
            <RoleGate allow={(role) => role === 'clinician' || role === 'admin'}>
              <Lazy>
                <PerformancePage />
              </Lazy>
            </RoleGate>
          }
        />
        <Route
          path="lesions/settings"
          element={
            <RoleGate allow={(role) => role === 'admin'}>
              <Lazy>
                <LesionSettingsPage />
              </Lazy>
            </RoleGate>
          }
        />
        <Route
          path="lesions/exams/:examId"
          element={
            <RoleGate allow={canListPatients}>
              <Lazy>
                <ExamPage />
              </Lazy>
            </RoleGate>
          }
        />
        <Route
          path="lesions/:lesionId"
          element={
            <RoleGate allow={canListPatients}>
              <Lazy>
                <EvolutionPage />
              </Lazy>
            </RoleGate>
          }
        />
        <Route path="learn" element={<LearnerHome />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
