import { Alert, Anchor, Code, Group, Image, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useAuth } from '../auth/AuthContext.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Section } from '../components/Section.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate, formatNumber } from '../fhir/display.ts';
import { lesionApi, type ModelCard, type ModelCardView } from './api.ts';
import { useLooseT } from './common.tsx';
import { aucWithCi, calibrationSourceText, formatProbability, formatRate, rateWithCi, seesAi, type Translate } from './present.ts';

type MetricSet = ModelCard['metrics']['overall'];

/** Links between the three lesion AI pages, as the role allows. */
export function LesionAiLinks() {
  const { t } = useLooseT();
  const { user } = useAuth();
  return (
    <Group gap="md">
      <Anchor component={Link} to="/lesions/model-card" size="sm">
        {t('lesion.exam.modelCard')}
      </Anchor>
      {seesAi(user?.role) && (
        <Anchor component={Link} to="/lesions/performance" size="sm">
          {t('lesion.card.performance')}
        </Anchor>
      )}
      {user?.role === 'admin' && (
        <Anchor component={Link} to="/lesions/settings" size="sm">
          {t('lesion.card.settings')}
        </Anchor>
      )}
    </Group>
  );
}

/**
 * The shipped model's card, in plain words: what it is for and not for, the data licence,
 * lesion-grouped validation metrics with their confidence intervals, overall and by group,
 * the operating points, calibration with its reliability plot, limits, identity, and which
 * calibration this clinic runs with.
 */
export function ModelCardPage() {
  const { t } = useLooseT();
  const load = useLoad(() => lesionApi.modelCard(), []);
  return (
    <Stack gap="md">
      <LesionAiLinks />
      <PageTitle>{t('lesion.card.title')}</PageTitle>
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && <CardBody view={load.data} />}
    </Stack>
  );
}

function CardBody({ view }: { view: ModelCardView }) {
  const { t, lang } = useLooseT();
  // The server validated the card against model-card.ts's schema before serving it.
  const card = view.card as unknown as ModelCard;
  const cal = view.calibration;
  return (
    <Stack gap="md" data-testid="lesion-model-card">
      <Paper withBorder p="md" radius="md" data-testid="lesion-card-in-force">
        <Title order={2} size="h4" mb={4}>
          {t('lesion.card.inForce')}
        </Title>
        <Text>
          {t('lesion.card.inForceLine', {
            source: calibrationSourceText(cal.source, t),
            temperature: formatNumber(cal.temperature, lang, 3),
            refer: formatProbability(cal.referThreshold, lang),
            monitor: formatProbability(cal.monitorThreshold, lang),
          })}
        </Text>
      </Paper>

      <Section title={t('lesion.card.intended')} testId="lesion-card-intended">
        <Text mb="sm">{card.intended_use.summary}</Text>
        <Text fw={600} size="sm">
          {t('lesion.card.users')}
        </Text>
        <Text size="sm" mb="sm">
          {card.intended_use.users.join(', ')}
        </Text>
        <Text fw={600} size="sm">
          {t('lesion.card.inputs')}
        </Text>
        <Text size="sm" mb="sm">
          {card.intended_use.inputs}
        </Text>
        <Text fw={600} size="sm">
          {t('lesion.card.notFor')}
        </Text>
        <List size="sm" data-testid="lesion-card-not-for">
          {card.intended_use.not_for.map((n) => (
            <List.Item key={n}>{n}</List.Item>
          ))}
        </List>
      </Section>

      <Section title={t('lesion.card.licence')} testId="lesion-card-licence">
        <Alert color="orange" variant="light" mb="sm" data-testid="lesion-card-noncommercial">
          {t('lesion.card.licenceNote')}
        </Alert>
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('lesion.card.folder')}</Table.Th>
              <Table.Th scope="col">{t('lesion.card.images')}</Table.Th>
              <Table.Th scope="col">{t('lesion.card.lesions')}</Table.Th>
              <Table.Th scope="col">{t('lesion.card.licenceCol')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {card.training.data.map((d) => (
              <Table.Tr key={d.folder}>
                <Table.Td>
                  <Code>{d.folder}</Code>
                </Table.Td>
                <Table.Td>{formatNumber(d.used.images, lang, 0)}</Table.Td>
                <Table.Td>{formatNumber(d.used.lesions, lang, 0)}</Table.Td>
                <Table.Td>{d.licence}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Section>

      <Section title={t('lesion.card.metrics')} testId="lesion-card-metrics">
        <Text size="sm" c="dimmed" mb="sm">
          {t('lesion.card.split', { split: card.metrics.split })}
        </Text>
        {card.metrics.views && (
          <Text size="sm" c="dimmed" mb="sm" data-testid="lesion-card-views">
            {t('lesion.card.views', { views: card.metrics.views })}
          </Text>
        )}
        <MetricsTable title={t('lesion.card.overall')} rows={{ [t('lesion.card.overall')]: card.metrics.overall, [t('lesion.card.histo')]: card.metrics.histopathology_confirmed }} testId="lesion-metrics-overall" />
        <MetricsTable title={t('lesion.card.bySource')} rows={card.metrics.by_source} testId="lesion-metrics-source" />
        <MetricsTable title={t('lesion.card.bySex')} rows={card.metrics.by_sex} testId="lesion-metrics-sex" />
        <MetricsTable title={t('lesion.card.byAge')} rows={card.metrics.by_age_band} testId="lesion-metrics-age" />
        <MetricsTable title={t('lesion.card.bySite')} rows={card.metrics.by_body_site} testId="lesion-metrics-site" />
      </Section>

      <Section title={t('lesion.card.operatingPoints')} testId="lesion-card-points">
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" />
                <Table.Th scope="col">{t('lesion.card.threshold')}</Table.Th>
                <Table.Th scope="col">{t('lesion.card.chosenFor')}</Table.Th>
                <Table.Th scope="col">
                  {t('lesion.card.testSplit')}: {t('lesion.card.sensitivity')}
                </Table.Th>
                <Table.Th scope="col">
                  {t('lesion.card.testSplit')}: {t('lesion.card.specificity')}
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {card.operating_points.map((op) => (
                <Table.Tr key={op.action} data-action={op.action}>
                  <Table.Th scope="row">{t(`lesion.actions.${op.action}`)}</Table.Th>
                  <Table.Td>{formatProbability(op.melanoma_threshold, lang)}</Table.Td>
                  <Table.Td>{op.chosen_for}</Table.Td>
                  <Table.Td>{rateWithCi(op.test_split.sensitivity, op.test_split.sensitivity_ci95, lang, t)}</Table.Td>
                  <Table.Td>{rateWithCi(op.test_split.specificity, op.test_split.specificity_ci95, lang, t)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Section>

      <Section title={t('lesion.card.calibration')} testId="lesion-card-calibration">
        <Text size="sm">
          {t('lesion.card.ece', {
            before: formatNumber(card.metrics.calibration.ece_before, lang, 3),
            after: formatNumber(card.metrics.calibration.ece_after, lang, 3),
            bins: card.metrics.calibration.bins,
          })}
        </Text>
        <Text size="sm" mb="sm">
          {t('lesion.card.temperature', { value: formatNumber(card.calibration.temperature, lang, 3), on: card.calibration.fitted_on })}
        </Text>
        <Image src={view.reliabilityPlotUrl} alt={t('lesion.card.reliability')} maw={480} fit="contain" data-testid="lesion-reliability-plot" />
      </Section>

      <Section title={t('lesion.card.limitations')} testId="lesion-card-limitations">
        <List size="sm">
          {card.limitations.map((l) => (
            <List.Item key={l}>{l}</List.Item>
          ))}
        </List>
      </Section>

      <Section title={t('lesion.card.version')} testId="lesion-card-version">
        <Text size="sm">{t('lesion.card.versionLine', { name: card.name, version: card.version, created: formatDate(card.created, lang) })}</Text>
        <Text size="sm">{t('lesion.card.architecture', { architecture: card.model.architecture })}</Text>
        <Text size="sm">
          <Code data-testid="lesion-card-sha">{t('lesion.card.sha', { sha: card.model.sha256 })}</Code>
        </Text>
      </Section>
    </Stack>
  );
}

function metricCells(m: MetricSet, lang: string, t: Translate): ReactNode[] {
  const ops = m.operating_points;
  return [
    formatNumber(m.n_images, lang, 0),
    formatNumber(m.n_lesions, lang, 0),
    formatNumber(m.n_melanoma, lang, 0),
    aucWithCi(m.melanoma_auc, lang, t),
    aucWithCi(m.malignant_auc, lang, t),
    formatRate(m.balanced_accuracy, lang),
    rateWithCi(ops.refer.sensitivity, ops.refer.sensitivity_ci95, lang, t),
    rateWithCi(ops.refer.specificity, ops.refer.specificity_ci95, lang, t),
    rateWithCi(ops.monitor.sensitivity, ops.monitor.sensitivity_ci95, lang, t),
    rateWithCi(ops.monitor.specificity, ops.monitor.specificity_ci95, lang, t),
  ];
}

/** One metrics table: a row per group, with n and every rate's 95% CI. */
function MetricsTable({ title, rows, testId }: { title: string; rows: Record<string, MetricSet>; testId: string }) {
  const { t, lang } = useLooseT();
  const heads = ['nImages', 'nLesions', 'nMelanoma', 'melAuc', 'malAuc', 'balancedAccuracy', 'referSens', 'referSpec', 'monitorSens', 'monitorSpec'] as const;
  return (
    <Stack gap={4} mb="md">
      <Title order={3} size="h5">
        {title}
      </Title>
      <Table.ScrollContainer minWidth={1100}>
        <Table verticalSpacing={4} fz="xs" data-testid={testId} aria-label={title}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('lesion.card.group')}</Table.Th>
              {heads.map((h) => (
                <Table.Th key={h} scope="col">
                  {t(`lesion.card.${h}`)}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {Object.entries(rows).map(([group, m]) => (
              <Table.Tr key={group} data-group={group}>
                <Table.Th scope="row">{group}</Table.Th>
                {metricCells(m, lang, t).map((c, i) => (
                  <Table.Td key={heads[i]}>{c}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
