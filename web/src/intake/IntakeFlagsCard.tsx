import { Anchor, Badge, Paper, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { currentLanguage } from '../i18n/index.ts';
import { intakeApi } from './api.ts';
import { severityColor } from './present.ts';

/** The clinician's dashboard card: red flags of the clinic's latest intakes, newest first. */
export function IntakeFlagsCard({ limit = 20 }: { limit?: number }) {
  const { t, i18n } = useTranslation();
  const lang = currentLanguage();
  const load = useLoad(() => intakeApi.flags(limit), [limit]);
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="intake-flags-card-title" data-testid="intake-flags-card" mb="md">
      <Title order={2} size="h4" id="intake-flags-card-title" mb="xs">
        {t('intake.flagsCard.title')}
      </Title>
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' &&
        (load.data.rows.length === 0 ? (
          <Text c="dimmed">{t('intake.flagsCard.none')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={560} mah={320}>
            <Table striped highlightOnHover>
              <Table.Caption>{t('intake.flagsCard.caption')}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('intake.flagsCard.severity')}</Table.Th>
                  <Table.Th>{t('intake.flagsCard.flag')}</Table.Th>
                  <Table.Th>{t('intake.flagsCard.patient')}</Table.Th>
                  <Table.Th>{t('intake.flagsCard.submitted')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {load.data.rows.map((r) => (
                  <Table.Tr key={`${r.questionnaireResponseId}-${r.flag.code}`} data-testid="intake-flag-row" data-code={r.flag.code}>
                    <Table.Td>
                      <Badge color={severityColor(r.flag.severity)} size="sm">
                        {t(`intake.history.severity.${r.flag.severity}` as 'intake.history.severity.urgent')}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{r.flag.title[lang]}</Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={`/patients/${encodeURIComponent(r.patientId)}`}>
                        {r.patientName}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{formatDate(r.submittedAt, i18n.language, true)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
    </Paper>
  );
}
