import { LineChart } from '@mantine/charts';
import { NativeSelect, Stack, Table, Text } from '@mantine/core';
import type { Observation } from '@medplum/fhirtypes';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, bundleResources } from '../../api/client.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Section } from '../../components/Section.tsx';
import { useLoad } from '../../components/useLoad.ts';
import { formatDate, formatNumber, observationDate, observationValue } from '../../fhir/display.ts';
import { LAB_CODES, LAB_KINDS, VITAL_KINDS, availableVitals, latestByCodes, latestVital, vitalSeries, type VitalKind } from '../../fhir/vitals.ts';

/** Latest vital signs in a table, and a trend chart of one of them (blood pressure first). */
export function VitalsSection({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const load = useLoad(
    () =>
      api
        .search('Observation', { patient: patientId, category: 'vital-signs', _sort: '-date', _count: 200 })
        .then((b) => bundleResources<Observation>(b, 'Observation')),
    [patientId],
  );
  return (
    <Section title={t('chart.vitals')} testId="vitals">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && <Vitals observations={load.data} />}
    </Section>
  );
}

function Vitals({ observations }: { observations: Observation[] }) {
  const { t, i18n } = useTranslation();
  const kinds = availableVitals(observations);
  const [chosen, setChosen] = useState<VitalKind | undefined>(undefined);
  if (kinds.length === 0) return <Text c="dimmed">{t('chart.noVitals')}</Text>;
  const kind = chosen && kinds.includes(chosen) ? chosen : (kinds[0] as VitalKind);
  return (
    <Stack gap="md">
      <Table verticalSpacing="xs" aria-label={t('chart.vitals')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('chart.measure')}</Table.Th>
            <Table.Th scope="col">{t('chart.latest')}</Table.Th>
            <Table.Th scope="col">{t('chart.date')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {VITAL_KINDS.map((k) => {
            const o = latestVital(observations, k);
            if (!o) return null;
            return (
              <Table.Tr key={k}>
                <Table.Th scope="row" fw={500}>
                  {t(`vital.${k}`)}
                </Table.Th>
                <Table.Td>{observationValue(o, i18n.language)}</Table.Td>
                <Table.Td>{formatDate(observationDate(o), i18n.language)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <NativeSelect
        label={t('chart.chooseTrend')}
        value={kind}
        maw={280}
        data={kinds.map((k) => ({ value: k, label: t(`vital.${k}`) }))}
        onChange={(e) => setChosen(e.currentTarget.value as VitalKind)}
      />
      <Trend observations={observations} kind={kind} />
    </Stack>
  );
}

function Trend({ observations, kind }: { observations: Observation[]; kind: VitalKind }) {
  const { t, i18n } = useTranslation();
  const points = vitalSeries(observations, kind);
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return null;
  const measure = t(`vital.${kind}`);
  const unit = last.unit;
  const data = points.map((p) => ({ date: formatDate(p.date, i18n.language), ...p.values }));
  const series =
    kind === 'bloodPressure'
      ? [
          { name: 'systolic', label: t('vital.systolic'), color: 'red.7' },
          { name: 'diastolic', label: t('vital.diastolic'), color: 'blue.7' },
        ]
      : [{ name: 'value', label: measure, color: 'teal.7' }];
  const latest =
    kind === 'bloodPressure'
      ? `${formatNumber(last.values.systolic ?? NaN, i18n.language, 0)}/${formatNumber(last.values.diastolic ?? NaN, i18n.language, 0)} ${unit}`
      : `${formatNumber(last.values.value ?? NaN, i18n.language)} ${unit}`;
  // The chart is a picture; the figcaption says the same in words for screen readers.
  return (
    <figure style={{ margin: 0 }} data-testid="vitals-trend">
      <figcaption>
        <Text size="sm" c="dimmed">
          {t('chart.trendSummary', {
            measure,
            count: points.length,
            from: formatDate(first.date, i18n.language),
            to: formatDate(last.date, i18n.language),
            latest,
          })}
        </Text>
      </figcaption>
      <div role="img" aria-label={t('chart.trendOf', { measure })}>
        <LineChart
          h={240}
          data={data}
          dataKey="date"
          series={series}
          yAxisLabel={unit || undefined}
          curveType="linear"
          withLegend={kind === 'bloodPressure'}
          tickLine="y"
          gridAxis="y"
          yAxisProps={{ domain: ['auto', 'auto'] }}
          valueFormatter={(v) => formatNumber(v, i18n.language)}
          tooltipAnimationDuration={0}
          lineChartProps={{ accessibilityLayer: false }}
        />
      </div>
    </figure>
  );
}

/** The newest lipid and HbA1c results. */
export function LabsSection({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const load = useLoad(
    () =>
      api
        .search('Observation', { patient: patientId, category: 'laboratory', _sort: '-date', _count: 200 })
        .then((b) => bundleResources<Observation>(b, 'Observation')),
    [patientId],
  );
  const rows =
    load.status === 'ok'
      ? LAB_KINDS.map((k) => ({ kind: k, obs: latestByCodes(load.data, LAB_CODES[k]) })).filter(
          (r): r is { kind: (typeof LAB_KINDS)[number]; obs: Observation } => r.obs !== undefined,
        )
      : [];
  return (
    <Section title={t('chart.labs')} testId="labs">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' &&
        (rows.length === 0 ? (
          <Text c="dimmed">{t('chart.noLabs')}</Text>
        ) : (
          <Table verticalSpacing="xs" aria-label={t('chart.labs')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('chart.measure')}</Table.Th>
                <Table.Th scope="col">{t('chart.latest')}</Table.Th>
                <Table.Th scope="col">{t('chart.date')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.kind}>
                  <Table.Th scope="row" fw={500}>
                    {t(`lab.${r.kind}`)}
                  </Table.Th>
                  <Table.Td>{observationValue(r.obs, i18n.language)}</Table.Td>
                  <Table.Td>{formatDate(observationDate(r.obs), i18n.language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
    </Section>
  );
}
