import { Alert, List, Stack, Table, Text } from '@mantine/core';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Section } from '../components/Section.tsx';
import { useLoad } from '../components/useLoad.ts';
import { lesionApi, type PerformanceView, type PointStats, type Rate } from './api.ts';
import { useLooseT } from './common.tsx';
import { LesionAiLinks } from './ModelCardPage.tsx';
import { aucWithCi, formatProbability, formatRate, rateWithCi, type Translate } from './present.ts';

/** "62.5% (95% CI 30.6–86.3%), 5 of 8". */
export function RateText({ rate }: { rate: Rate }) {
  const { t, lang } = useLooseT();
  return (
    <span data-k={rate.k} data-n={rate.n}>
      {rateWithCi(rate.value, rate.ci95, lang, t)}
      <Text span size="xs" c="dimmed">
        {' '}
        · {t('lesion.performance.kOfN', { k: rate.k, n: rate.n })}
      </Text>
    </span>
  );
}

/** Sensitivity and specificity at each operating point here, beside the model card's. */
export function PointsTable({ points, testId }: { points: readonly PointStats[]; testId?: string }) {
  const { t, lang } = useLooseT();
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table verticalSpacing={4} data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('lesion.performance.point')}</Table.Th>
            <Table.Th scope="col">{t('lesion.performance.threshold')}</Table.Th>
            <Table.Th scope="col">{t('lesion.performance.sensitivity')}</Table.Th>
            <Table.Th scope="col">{t('lesion.performance.cardSensitivity')}</Table.Th>
            <Table.Th scope="col">{t('lesion.performance.specificity')}</Table.Th>
            <Table.Th scope="col">{t('lesion.performance.cardSpecificity')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {points.map((p) => (
            <Table.Tr key={`${p.action}-${p.threshold}`} data-action={p.action}>
              <Table.Th scope="row">{t(`lesion.actions.${p.action}`)}</Table.Th>
              <Table.Td>{formatProbability(p.threshold, lang)}</Table.Td>
              <Table.Td>
                <RateText rate={p.sensitivity} />
              </Table.Td>
              <Table.Td>{formatRate(p.card?.sensitivity, lang)}</Table.Td>
              <Table.Td>
                <RateText rate={p.specificity} />
              </Table.Td>
              <Table.Td>{formatRate(p.card?.specificity, lang)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Agreement and overrides per clinician, and live performance on confirmed cases beside the card's. */
export function PerformancePage() {
  const { t } = useLooseT();
  const load = useLoad(() => lesionApi.performance(), []);
  return (
    <Stack gap="md">
      <LesionAiLinks />
      <PageTitle>{t('lesion.performance.title')}</PageTitle>
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && <PerformanceBody view={load.data} />}
    </Stack>
  );
}

function auc(v: { value: number; ci95: [number, number] | null } | null, lang: string, t: Translate): string {
  if (!v) return '—';
  return v.ci95 ? aucWithCi({ value: v.value, ci95: v.ci95 }, lang, t) : new Intl.NumberFormat(lang, { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(v.value);
}

function PerformanceBody({ view }: { view: PerformanceView }) {
  const { t, lang } = useLooseT();
  const live = view.live;
  return (
    <Stack gap="md" data-testid="lesion-performance">
      <Section title={t('lesion.performance.agreement')} testId="lesion-agreement">
        <Text size="sm" c="dimmed" mb="sm">
          {t('lesion.performance.agreementNote')}
        </Text>
        {view.clinicians.length === 0 ? (
          <Text c="dimmed">{t('lesion.performance.none')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={1000}>
            <Table verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('lesion.performance.clinician')}</Table.Th>
                  <Table.Th scope="col">{t('lesion.performance.reads')}</Table.Th>
                  <Table.Th scope="col">{t('lesion.performance.agreementCol')}</Table.Th>
                  <Table.Th scope="col">{t('lesion.performance.overrides')}</Table.Th>
                  <Table.Th scope="col">{t('lesion.performance.switched')}</Table.Th>
                  <Table.Th scope="col">{t('lesion.performance.disagreements')}</Table.Th>
                  <Table.Th scope="col">{t('lesion.performance.confirmedCases')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {view.clinicians.map((c) => (
                  <Table.Tr key={c.clinician.id} data-testid="lesion-clinician">
                    <Table.Th scope="row">{c.clinician.name ?? c.clinician.id}</Table.Th>
                    <Table.Td>{c.reads}</Table.Td>
                    <Table.Td>
                      <RateText rate={c.agreement} />
                    </Table.Td>
                    <Table.Td>
                      <RateText rate={c.overrides} />
                    </Table.Td>
                    <Table.Td>
                      <RateText rate={c.switchedToAi} />
                    </Table.Td>
                    <Table.Td>
                      {t('lesion.performance.disagreementLine', { total: c.disagreements.total, clinician: c.disagreements.clinicianRight, ai: c.disagreements.aiRight })}
                    </Table.Td>
                    <Table.Td>{c.confirmed?.cases ?? 0}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {view.clinicians
          .filter((c) => c.confirmed)
          .map((c) => (
            <Stack key={c.clinician.id} gap={4} mt="md">
              <Text fw={600} size="sm">
                {t('lesion.performance.readersTitle', { name: c.clinician.name ?? c.clinician.id })}
              </Text>
              <Table verticalSpacing={4} maw={760}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t('lesion.performance.reader')}</Table.Th>
                    <Table.Th scope="col">{t('lesion.card.sensitivity')}</Table.Th>
                    <Table.Th scope="col">{t('lesion.card.specificity')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(['impression', 'ai', 'decision'] as const).map((who) => (
                    <Table.Tr key={who}>
                      <Table.Th scope="row">{t(`lesion.performance.${who}`)}</Table.Th>
                      <Table.Td>
                        <RateText rate={c.confirmed![who].sensitivity} />
                      </Table.Td>
                      <Table.Td>
                        <RateText rate={c.confirmed![who].specificity} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          ))}
      </Section>

      <Section title={t('lesion.performance.live')} testId="lesion-live">
        <Text mb="xs" data-testid="lesion-live-cases" data-cases={live.confirmedCases}>
          {t('lesion.performance.liveLine', { cases: live.confirmedCases, melanomas: live.melanomas })}
        </Text>
        {live.confirmedCases === 0 && (
          <Alert color="gray" variant="light" mb="sm">
            {t('lesion.performance.noCases')}
          </Alert>
        )}
        <Text size="sm" mb="sm">
          {t('lesion.performance.liveAuc', { auc: auc(live.melanomaAuc, lang, t), card: auc(live.cardMelanomaAuc, lang, t) })}
        </Text>
        <PointsTable points={live.points} testId="lesion-live-points" />
        {view.notes.length > 0 && (
          <List size="sm" mt="sm">
            {view.notes.map((n) => (
              <List.Item key={n}>{n}</List.Item>
            ))}
          </List>
        )}
      </Section>
    </Stack>
  );
}
