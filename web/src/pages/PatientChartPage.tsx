import { Anchor, Alert, SimpleGrid, Stack } from '@mantine/core';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { isNotFound } from '../api/errors.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { canListPatients } from '../auth/home.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useLoad } from '../components/useLoad.ts';
import { ConsentsSection } from './chart/ConsentsSection.tsx';
import { AllergiesSection, MedicationsSection, ProblemsSection } from './chart/ListSections.tsx';
import { PatientHeader } from './chart/PatientHeader.tsx';
import { LabsSection, VitalsSection } from './chart/VitalsSection.tsx';
import { RiskSection } from '../risk/RiskSection.tsx';
import { ChartIntake } from '../intake/ChartIntake.tsx';
import { PlanSection } from '../plans/PlanSection.tsx';
import { LesionSection } from '../lesion/LesionSection.tsx';
import { STAFF } from '../auth/home.ts';

/**
 * One patient's chart. The Patient is read first; only when the server shows it do the
 * sections ask for the record, so a patient the user may not see leaves nothing behind.
 */
export function PatientChartPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const { id = '' } = useParams();
  const load = useLoad(() => api.patient(id), [id]);
  const now = useMemo(() => new Date(), []);
  const back = user && canListPatients(user.role) && (
    <Anchor component={Link} to="/patients" size="sm">
      ← {t('chart.back')}
    </Anchor>
  );

  if (load.status === 'loading') return <Loading />;
  if (load.status === 'error') {
    if (isNotFound(load.error)) {
      return (
        <Stack data-testid="patient-not-found">
          {back}
          <PageTitle>{t('chart.notFoundTitle')}</PageTitle>
          <Alert color="gray" variant="light">
            {t('chart.notFound')}
          </Alert>
        </Stack>
      );
    }
    return (
      <Stack>
        {back}
        <ErrorNotice error={load.error} onRetry={load.reload} />
      </Stack>
    );
  }
  const patientId = load.data.id ?? id;
  return (
    <Stack gap="md">
      {back}
      <PatientHeader patient={load.data} now={now} />
      <ChartIntake patientId={patientId} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <ProblemsSection patientId={patientId} />
        <AllergiesSection patientId={patientId} />
      </SimpleGrid>
      <MedicationsSection patientId={patientId} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <VitalsSection patientId={patientId} />
        <Stack gap="md">
          <LabsSection patientId={patientId} />
          <ConsentsSection patientId={patientId} />
        </Stack>
      </SimpleGrid>
      <RiskSection patientId={patientId} />
      {user && STAFF.includes(user.role) && <PlanSection patientId={patientId} />}
      {user && STAFF.includes(user.role) && <LesionSection patientId={patientId} />}
    </Stack>
  );
}
