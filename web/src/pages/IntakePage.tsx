import { Alert, Anchor, Stack } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useLoad } from '../components/useLoad.ts';
import { humanName } from '../fhir/display.ts';
import { IntakeForm } from '../intake/IntakeForm.tsx';

/** /intake: a patient fills in their own health questionnaire. */
export function MyIntakePage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  if (!user) return null;
  return (
    <Stack gap="xs">
      <PageTitle>{t('intake.title')}</PageTitle>
      {user.patientId ? (
        <IntakeForm patientId={user.patientId} staff={false} />
      ) : (
        <Alert color="gray" variant="light">
          {t('intake.noPatient')}
        </Alert>
      )}
    </Stack>
  );
}

/** /patients/:id/intake: staff fill the questionnaire in with the patient (on a tablet). */
export function StaffIntakePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  // The Patient first: a patient this user may not see shows nothing of the questionnaire.
  const load = useLoad(() => api.patient(id), [id]);
  const back = (
    <Anchor component={Link} to={`/patients/${encodeURIComponent(id)}`} size="sm">
      ← {t('intake.openChart')}
    </Anchor>
  );
  if (load.status === 'loading') return <Loading />;
  if (load.status === 'error') {
    return (
      <Stack>
        {back}
        <ErrorNotice error={load.error} onRetry={load.reload} />
      </Stack>
    );
  }
  return (
    <Stack gap="xs">
      {back}
      <PageTitle>{t('intake.titleFor', { name: humanName(load.data.name) || t('patients.unnamed') })}</PageTitle>
      <IntakeForm patientId={load.data.id ?? id} staff />
    </Stack>
  );
}
