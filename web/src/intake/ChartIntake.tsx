import { Anchor, Group, Paper, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthContext.tsx';
import { STAFF } from '../auth/home.ts';
import { IntakeHistorySection } from './IntakeHistorySection.tsx';

/**
 * The intake's place in a chart: staff see the preliminary history; a patient looking at
 * their own record gets the way to their questionnaire (the unsigned note and its red flags
 * are the clinician's working document).
 */
export function ChartIntake({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  if (!user) return null;
  if (STAFF.includes(user.role)) return <IntakeHistorySection patientId={patientId} />;
  if (user.role === 'patient' && user.patientId === patientId) {
    return (
      <Paper withBorder radius="md" p="md">
        <Group justify="space-between">
          <Text>{t('intake.intro')}</Text>
          <Anchor component={Link} to="/intake" data-testid="intake-open">
            {t('intake.nav')}
          </Anchor>
        </Group>
      </Paper>
    );
  }
  return null;
}
