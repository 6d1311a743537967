import { Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Section } from '../../components/Section.tsx';
import { useLoad } from '../../components/useLoad.ts';
import { formatDate } from '../../fhir/display.ts';

/** The patient's decision for each consent purpose (care, AI analysis, genetics, …). */
export function ConsentsSection({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const load = useLoad(() => api.consents(patientId), [patientId]);
  return (
    <Section title={t('chart.consents')} testId="consents">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' &&
        (load.data.length === 0 ? (
          <Text c="dimmed">{t('chart.noConsents')}</Text>
        ) : (
          <Table verticalSpacing={4} aria-label={t('chart.consents')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('chart.purpose')}</Table.Th>
                <Table.Th scope="col">{t('chart.consentStatus')}</Table.Th>
                <Table.Th scope="col">{t('chart.consentDate')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {load.data.map((c) => {
                const key = `consent.purposes.${c.purpose}`;
                const purpose = i18n.exists(key) ? t(key as 'consent.purposes.care') : c.purpose;
                const status = c.status === 'permit' || c.status === 'deny' ? c.status : 'none';
                return (
                  <Table.Tr key={c.purpose}>
                    <Table.Td>{purpose}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <ConsentBadge status={status} />
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(c.date, i18n.language)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        ))}
    </Section>
  );
}

function ConsentBadge({ status }: { status: 'permit' | 'deny' | 'none' }) {
  const { t } = useTranslation();
  return (
    <Text component="span" size="sm" fw={500} c={status === 'permit' ? 'teal.8' : status === 'deny' ? 'red.8' : 'dimmed'}>
      {t(`consent.${status}`)}
    </Text>
  );
}
