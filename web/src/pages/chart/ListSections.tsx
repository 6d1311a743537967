import type { ReactNode } from 'react';
import { Badge, Table, Text } from '@mantine/core';
import type { AllergyIntolerance, Condition, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { api, bundleResources } from '../../api/client.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Section } from '../../components/Section.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useLoad, type Load } from '../../components/useLoad.ts';
import { allergyRows, medicationRows, problemRows } from '../../fhir/chart.ts';
import { formatDate } from '../../fhir/display.ts';

/** Long lists (Synthea gives hundreds of prescriptions) show the newest this many. */
const MAX_ROWS = 50;

interface Column<R> {
  header: string;
  cell: (row: R) => ReactNode;
}

/** One chart list: loading, error with retry, an empty message, or a labelled table. */
function RecordTable<R extends { id: string }>(props: {
  title: string;
  testId: string;
  empty: string;
  minWidth: number;
  load: Load<R[]> & { reload: () => void };
  columns: Column<R>[];
  maxRows?: number;
}) {
  const { title, testId, empty, minWidth, load, columns, maxRows } = props;
  return (
    <Section title={title} testId={testId}>
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' &&
        (load.data.length === 0 ? (
          <Text c="dimmed">{empty}</Text>
        ) : (
          <Table.ScrollContainer minWidth={minWidth}>
            <Table verticalSpacing="xs" aria-label={title}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((c) => (
                    <Table.Th key={c.header} scope="col">
                      {c.header}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(maxRows === undefined ? load.data : load.data.slice(0, maxRows)).map((r) => (
                  <Table.Tr key={r.id}>
                    {columns.map((c) => (
                      <Table.Td key={c.header}>{c.cell(r)}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {maxRows !== undefined && <More shown={maxRows} count={load.data.length} />}
          </Table.ScrollContainer>
        ))}
    </Section>
  );
}

export function ProblemsSection({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const load = useLoad(
    () => api.search('Condition', { patient: patientId, _count: 200 }).then((b) => problemRows(bundleResources<Condition>(b, 'Condition'))),
    [patientId],
  );
  return (
    <RecordTable
      title={t('chart.problems')}
      testId="problems"
      empty={t('chart.noProblems')}
      minWidth={420}
      load={load}
      maxRows={MAX_ROWS}
      columns={[
        { header: t('chart.condition'), cell: (r) => r.text },
        { header: t('chart.status'), cell: (r) => <StatusBadge code={r.status} /> },
        { header: t('chart.onset'), cell: (r) => formatDate(r.onset, i18n.language) },
      ]}
    />
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
    <RecordTable
      title={t('chart.medications')}
      testId="medications"
      empty={t('chart.noMedications')}
      minWidth={560}
      load={load}
      maxRows={MAX_ROWS}
      columns={[
        { header: t('chart.medication'), cell: (r) => r.text },
        { header: t('chart.dosage'), cell: (r) => r.dosage },
        { header: t('chart.status'), cell: (r) => <StatusBadge code={r.status} /> },
        { header: t('chart.started'), cell: (r) => formatDate(r.date, i18n.language) },
        {
          header: t('chart.source'),
          cell: (r) => (
            <Badge variant="outline" color="gray" tt="none">
              {r.source === 'statement' ? t('chart.sourceStatement') : t('chart.sourceRequest')}
            </Badge>
          ),
        },
      ]}
    />
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
    <RecordTable
      title={t('chart.allergies')}
      testId="allergies"
      empty={t('chart.noAllergies')}
      minWidth={420}
      load={load}
      columns={[
        { header: t('chart.substance'), cell: (r) => r.text },
        { header: t('chart.reactions'), cell: (r) => r.reactions },
        { header: t('chart.criticality'), cell: (r) => <StatusBadge code={r.criticality} /> },
        { header: t('chart.status'), cell: (r) => <StatusBadge code={r.status} /> },
      ]}
    />
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
