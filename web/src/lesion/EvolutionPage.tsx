import { Alert, Anchor, Button, Group, Image, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate, formatNumber } from '../fhir/display.ts';
import { lesionApi, type Evolution, type EvolutionChange, type EvolutionExam } from './api.ts';
import { ActionBadge, ExamStatusBadge, colourLabel, siteLabel, useLooseT } from './common.tsx';
import { ConsentNotice } from './LesionSection.tsx';
import { formatChange, formatProbability, formatProbabilityChange } from './present.ts';

/** The same lesion over time: images side by side, what changed between them, and the evolution flags. */
export function EvolutionPage() {
  const { t } = useLooseT();
  const { lesionId = '' } = useParams();
  const load = useLoad(() => lesionApi.evolution(lesionId), [lesionId]);
  if (load.status === 'loading') return <Loading />;
  if (load.status === 'error') {
    return (
      <Stack>
        <PageTitle>{t('lesion.evolution.title')}</PageTitle>
        {load.error instanceof ApiError && load.error.code === 'CONSENT_MISSING' ? <ConsentNotice error={load.error} inChart={false} /> : <ErrorNotice error={load.error} onRetry={load.reload} />}
      </Stack>
    );
  }
  return <EvolutionBody evo={load.data} />;
}

function EvolutionBody({ evo }: { evo: Evolution }) {
  const { t, lang, has } = useLooseT();
  // The server's English message carries the measured numbers; other languages get the
  // flag's meaning in their words (and the server's message when the flag is new to us).
  const flagText = (f: { code: string; message: string }) => {
    const key = `lesion.evolution.flags.${f.code}`;
    return lang.startsWith('en') || !has(key) ? f.message : t(key);
  };
  return (
    <Stack gap="md" data-testid="lesion-evolution" data-evolving={evo.evolving}>
      <Anchor component={Link} to={`/patients/${encodeURIComponent(evo.patientId)}`} size="sm">
        ← {t('lesion.exam.back')}
      </Anchor>
      <div>
        <PageTitle>{t('lesion.evolution.title')}</PageTitle>
        <Text c="dimmed" mt={-8}>
          {t('lesion.evolution.subtitle', { site: siteLabel(evo.bodySite, lang), label: evo.label })}
        </Text>
      </div>
      {evo.evolving ? (
        <Alert color="red" variant="light" title={t('lesion.evolution.evolving')} data-testid="lesion-evolving">
          <Stack gap={2}>
            {evo.flags.map((f) => (
              <Text key={f.code} size="sm" data-testid="lesion-flag" data-code={f.code}>
                {flagText(f)}
              </Text>
            ))}
          </Stack>
        </Alert>
      ) : (
        evo.changes.length > 0 && (
          <Alert color="teal" variant="light">
            {t('lesion.evolution.stable')}
          </Alert>
        )
      )}

      <Title order={2} size="h4">
        {t('lesion.evolution.exams')}
      </Title>
      {evo.exams.length === 0 ? (
        <Text c="dimmed">{t('lesion.evolution.none')}</Text>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: Math.min(3, evo.exams.length) }} spacing="md">
          {evo.exams.map((e) => (
            <ExamCard key={e.examId} exam={e} />
          ))}
        </SimpleGrid>
      )}

      <Title order={2} size="h4">
        {t('lesion.evolution.changes')}
      </Title>
      {evo.changes.length === 0 ? (
        <Text c="dimmed">{t('lesion.evolution.noChanges')}</Text>
      ) : (
        evo.changes.map((c) => <ChangeTable key={`${c.fromExamId}-${c.toExamId}`} change={c} exams={evo.exams} />)
      )}
    </Stack>
  );
}

function ExamCard({ exam }: { exam: EvolutionExam }) {
  const { t, lang } = useLooseT();
  const date = formatDate(exam.createdAt, lang, true);
  return (
    <Paper withBorder p="sm" radius="md" data-testid="lesion-evolution-exam" data-exam={exam.examId}>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{date}</Text>
        <ExamStatusBadge status={exam.status} />
      </Group>
      <Image src={exam.outlineUrl ?? exam.imageUrl} alt={t('lesion.exam.lesionImage', { date })} fit="contain" h={220} radius="sm" />
      <Stack gap={2} mt="xs">
        {exam.analysisWithheld ? (
          <Text size="sm" c="dimmed">
            {t('lesion.evolution.withheld')}
          </Text>
        ) : (
          <>
            {exam.diameterPx !== null && (
              <Text size="sm">
                {t('lesion.exam.diameter')}: {exam.diameterMm !== null ? `${formatNumber(exam.diameterMm, lang, 1)} mm` : `${formatNumber(exam.diameterPx, lang, 0)} px`}
              </Text>
            )}
            {exam.colourCount !== null && <Text size="sm">{t('lesion.exam.colours', { count: exam.colourCount })}</Text>}
            {exam.asymmetry !== null && (
              <Text size="sm">
                {t('lesion.exam.asymmetry')}: {formatNumber(exam.asymmetry, lang, 2)}
              </Text>
            )}
            {exam.melanomaProbability !== null && (
              <Text size="sm">
                {t('lesion.exam.melanoma')}: {formatProbability(exam.melanomaProbability, lang)}
              </Text>
            )}
            {exam.suggestion && <ActionBadge action={exam.suggestion} />}
          </>
        )}
        <Button component={Link} to={`/lesions/exams/${encodeURIComponent(exam.examId)}`} size="xs" variant="default" mt={4}>
          {t('lesion.evolution.open')}
        </Button>
      </Stack>
    </Paper>
  );
}

function ChangeTable({ change, exams }: { change: EvolutionChange; exams: readonly EvolutionExam[] }) {
  const { t, lang, has } = useLooseT();
  const when = (id: string) => formatDate(exams.find((e) => e.examId === id)?.createdAt, lang);
  const rows: { key: string; label: string; before: string; after: string; delta: string }[] = [];
  if (change.diameter) {
    const d = change.diameter;
    rows.push({ key: 'diameter', label: t('lesion.evolution.diameter', { unit: d.unit }), before: formatNumber(d.before, lang, 1), after: formatNumber(d.after, lang, 1), delta: formatChange(d.delta, lang, 1) });
  }
  if (change.colourCount) {
    const c = change.colourCount;
    rows.push({ key: 'colours', label: t('lesion.evolution.colourCount'), before: String(c.before), after: String(c.after), delta: formatChange(c.delta, lang, 0) });
  }
  if (change.asymmetry) {
    const a = change.asymmetry;
    rows.push({ key: 'asymmetry', label: t('lesion.evolution.asymmetry'), before: formatNumber(a.before, lang, 2), after: formatNumber(a.after, lang, 2), delta: formatChange(a.delta, lang, 2) });
  }
  if (change.melanomaProbability) {
    const m = change.melanomaProbability;
    rows.push({ key: 'melanoma', label: t('lesion.evolution.melanoma'), before: formatProbability(m.before, lang), after: formatProbability(m.after, lang), delta: formatProbabilityChange(m.delta, lang) });
  }
  const flagged = new Set(change.flags.map((f) => f.code));
  const flagFor: Record<string, string> = { diameter: 'growing', colours: 'new-colour', asymmetry: 'more-asymmetric', melanoma: 'probability-crossed-operating-point' };
  return (
    <Paper withBorder p="sm" radius="md" data-testid="lesion-change">
      <Text fw={600} mb="xs">
        {t('lesion.evolution.interval', { from: when(change.fromExamId), to: when(change.toExamId), days: Math.round(change.intervalDays) })}
      </Text>
      <Table verticalSpacing={4} maw={720}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('lesion.evolution.measure')}</Table.Th>
            <Table.Th scope="col">{t('lesion.evolution.before')}</Table.Th>
            <Table.Th scope="col">{t('lesion.evolution.after')}</Table.Th>
            <Table.Th scope="col">{t('lesion.evolution.change')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => {
            const hot = flagged.has(flagFor[r.key] ?? '');
            return (
              <Table.Tr key={r.key} data-measure={r.key} data-flagged={hot}>
                <Table.Th scope="row">{r.label}</Table.Th>
                <Table.Td>{r.before}</Table.Td>
                <Table.Td>{r.after}</Table.Td>
                <Table.Td fw={hot ? 700 : undefined} c={hot ? 'red.8' : undefined}>
                  {r.delta}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {change.coloursGained.length > 0 && (
        <Text size="sm" mt={4}>
          {t('lesion.evolution.coloursGained', { colours: change.coloursGained.map((c) => colourLabel(c, t, has)).join(', ') })}
        </Text>
      )}
      {change.notes.map((n) => (
        <Text key={n} size="xs" c="dimmed">
          {n}
        </Text>
      ))}
    </Paper>
  );
}
