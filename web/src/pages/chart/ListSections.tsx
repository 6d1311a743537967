import { Badge, Table, Text } from '@mantine/core';
import type { AllergyIntolerance, Condition, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { api, bundleResources } from '../../api/client.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Section } from '../../components/Section.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useLoad } from '../../components/useLoad.ts';
import { allergyRows, medicationRows, problemRows } from '../../fhir/chart.ts';
import { formatDate } from '../../fhir/display.ts';

/** Long lists (Synthea gives hundreds of prescriptions) show the newest this many. */
const MAX_ROWS = 50;

export function ProblemsSection({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const load = useLoad(
    () => api.search('Condition', { patient: patientId, _count: 200 }).then((b) => problemRows(bundleResources<Condition>(b, 'Condition'))),
    [patientId],
  );
  return (
    <Section title={t('chart.problems')} testId="problems">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' &&
        (load.data.length === 0 ? (
          <Text c="dimmed">{t('chart.noProblems')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={420}>
            <Table verticalSpacing="xs" aria-label={t('chart.problems')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('chart.condition')}</Table.Th>
                  <Table.Th scope="col">{t('chart.status')}</Table.Th>
                  <Table.Th scope="col">{t('chart.onset')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {load.data.slice(0, MAX_ROWS).map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{r.text}</Table.Td>
                    <Table.Td>
                      <StatusBadge code={r.status} />
                    </Table.Td>
                    <Table.Td>{formatDate(r.onset, i18n.language)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <More shown={MAX_ROWS} count={load.data.length} />
          </Table.ScrollContainer>
        ))}
    </Section>
  );
}

export function MedicationsSection({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const load = useLoad(async () => {
    const [statements, requests] = await Promise.all([
      api.search('MedicationStatement', { patient: patientId, _count: 200 }),
      api.search('MedicationRequest', { patient: patientId, _count: 200 }),
    ]);
    return medicationRows(
      bundleResources<MedicationStatement>(statements, 'MedicationStatement'),
      bundleResources<MedicationRequest>(requests, 'MedicationRequest'),
    );
  }, [patientId]);
  return (
    <Section title={t('chart.medications')} testId="medications">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' &&
        (load.data.length === 0 ? (
          <Text c="dimmed">{t('chart.noMedications')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="xs" aria-label={t('chart.medications')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('chart.medication')}</Table.Th>
                  <Table.Th scope="col">{t('chart.dosage')}</Table.Th>
                  <Table.Th scope="col">{t('chart.status')}</Table.Th>
                  <Table.Th scope="col">{t('chart.started')}</Table.Th>
                  <Table.Th scope="col">{t('chart.source')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {load.data.slice(0, MAX_ROWS).map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{r.text}</Table.Td>
                    <Table.Td>{r.dosage}</Table.Td>
                    <Table.Td>
                      <StatusBadge code={r.status} />
                    </Table.Td>
                    <Table.Td>{formatDate(r.date, i18n.language)}</Table.Td>
                    <Table.Td>
                      <Badge variant="outline" color="gray" tt="none">
                        {r.source === 'statement' ? t('chart.sourceStatement') : t('chart.sourceRequest')}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <More shown={MAX_ROWS} count={load.data.length} />
          </Table.ScrollContainer>
        ))}
    </Section>
  );
}

export function AllergiesSection({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const load = useLoad(
    () =>
      api
        .search('AllergyIntolerance', { patient: patientId, _count: 200 })
        .then((b) => allergyRows(bundleResources<AllergyIntolerance>(b, 'AllergyIntolerance'))),
    [patientId],
  );
  return (
    <Section title={t('chart.allergies')} testId="allergies">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' &&
        (load.data.length === 0 ? (
          <Text c="dimmed">{t('chart.noAllergies')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={420}>
            <Table verticalSpacing="xs" aria-label={t('chart.allergies')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('chart.substance')}</Table.Th>
                  <Table.Th scope="col">{t('chart.reactions')}</Table.Th>
                  <Table.Th scope="col">{t('chart.criticality')}</Table.Th>
                  <Table.Th scope="col">{t('chart.status')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {load.data.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{r.text}</Table.Td>
                    <Table.Td>{r.reactions}</Table.Td>
                    <Table.Td>
                      <StatusBadge code={r.criticality} />
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge code={r.status} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
    </Section>
  );
}

function More({ shown, count }: { shown: number; count: number }) {
  const { t } = useTranslation();
  if (count <= shown) return null;
  return (
    <Text size="sm" c="dimmed" mt="xs">
      {t('chart.more', { shown, count })}
    </Text>
  );
}
