import { Alert, Anchor, Badge, Button, Checkbox, Code, Group, Image, List, NativeSelect, Paper, Radio, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, isNotFound } from '../api/errors.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate, formatNumber } from '../fhir/display.ts';
import { lesionApi, type ExamAnalysis, type ExamView } from './api.ts';
import { ActionBadge, ExamStatusBadge, FormFeedback, ProbabilityBars, useFormSubmit, colourLabel, diagnosisLabel, useLooseT } from './common.tsx';
import {
  CONFIDENCE_LEVELS,
  DIAGNOSIS_CHOICES,
  LESION_ACTION_CODES,
  calibrationSourceText,
  diameterText,
  formatProbability,
  noteSentence,
  retakeKey,
  checkText,
  seesAi,
  uncertaintyText,
  type Confidence,
  type DiagnosisChoice,
} from './present.ts';
import type { LesionAction } from '../../../src/lesion/model-card.ts';
import { ConsentNotice } from './LesionSection.tsx';

type Accepted = Extract<ExamAnalysis, { status: 'ok' }>;

/**
 * One exam (one image of one lesion): the image, then — in the order a careful reader
 * works — the clinician's own impression (the AI hidden until it is recorded under the
 * blinded first read), the AI's second opinion, the signed decision, and histopathology.
 */
export function ExamPage() {
  const { t } = useLooseT();
  const { examId = '' } = useParams();
  const load = useLoad(() => lesionApi.exam(examId), [examId]);
  if (load.status === 'loading') return <Loading />;
  if (load.status === 'error') {
    return (
      <Stack>
        <PageTitle>{t('lesion.exam.title')}</PageTitle>
        {load.error instanceof ApiError && load.error.code === 'CONSENT_MISSING' ? (
          <ConsentNotice error={load.error} inChart={false} />
        ) : isNotFound(load.error) ? (
          <Alert color="gray" variant="light">
            {load.error instanceof Error ? load.error.message : String(load.error)}
          </Alert>
        ) : (
          <ErrorNotice error={load.error} onRetry={load.reload} />
        )}
      </Stack>
    );
  }
  return <ExamBody key={load.data.id} initial={load.data} />;
}

function ExamBody({ initial }: { initial: ExamView }) {
  const { t, lang } = useLooseT();
  const { user } = useAuth();
  const [exam, setExam] = useState(initial);
  const analysis = exam.analysis;
  const rejected = exam.status === 'cannot-assess' || analysis?.status === 'rejected';
  const showsAi = seesAi(user?.role);

  return (
    <Stack gap="md" data-testid="lesion-exam" data-status={exam.status} data-blinded={exam.blinded}>
      <Group gap="md">
        <Anchor component={Link} to={`/patients/${encodeURIComponent(exam.patientId)}`} size="sm">
          ← {t('lesion.exam.back')}
        </Anchor>
        <Anchor component={Link} to={`/lesions/${encodeURIComponent(exam.lesionId)}`} size="sm">
          {t('lesion.exam.followUp')}
        </Anchor>
      </Group>
      <Group justify="space-between" align="flex-start">
        <PageTitle>{t('lesion.exam.title')}</PageTitle>
        <ExamStatusBadge status={exam.status} />
      </Group>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Paper withBorder p="sm" radius="md">
          <Image
            src={exam.image.url}
            alt={t('lesion.exam.lesionImage', { date: formatDate(exam.createdAt, lang, true) })}
            radius="sm"
            fit="contain"
            mah={420}
            data-testid="lesion-image"
          />
          <Text size="sm" c="dimmed" mt="xs">
            {t('lesion.exam.taken', { date: formatDate(exam.createdAt, lang, true), name: exam.createdBy.name ?? '—' })}
          </Text>
          <Text size="sm" c="dimmed">
            {exam.pixelsPerMm !== null ? t('lesion.exam.scale', { value: formatNumber(exam.pixelsPerMm, lang, 2) }) : t('lesion.exam.noScale')}
          </Text>
        </Paper>
        <Stack gap="md">
          {rejected && <CannotAssess exam={exam} />}
          {!rejected && exam.analysisWithheld === 'role' && (
            <Alert color="gray" variant="light" data-testid="lesion-ai-withheld" data-reason="role">
              {t('lesion.exam.nurse')} {exam.status === 'awaiting-impression' ? t('lesion.exam.waitingClinician') : ''}
            </Alert>
          )}
          {!rejected && exam.analysisWithheld === 'blinded' && (
            <Alert color="yellow" variant="light" title={t('lesion.exam.hiddenTitle')} data-testid="lesion-ai-hidden">
              {t('lesion.exam.hiddenText')}
            </Alert>
          )}
          {exam.impression && <ImpressionSummary exam={exam} />}
          {exam.allowed.impression && !exam.impression && <ImpressionForm exam={exam} onSaved={setExam} />}
        </Stack>
      </SimpleGrid>

      {analysis?.status === 'ok' && showsAi && <Reveal examId={exam.id} analysis={analysis} />}
      {analysis === null && !rejected && showsAi && exam.analysisWithheld === null && (
        <Text c="dimmed" size="sm">
          {t('lesion.exam.notShown')}
        </Text>
      )}

      {exam.decision ? <SignedDecision exam={exam} /> : exam.allowed.decision && analysis?.status === 'ok' && <DecisionForm exam={exam} analysis={analysis} onSaved={setExam} />}
      {(exam.histopathology || exam.allowed.histopathology) && <HistopathologyPart exam={exam} onSaved={setExam} />}
    </Stack>
  );
}

/** The quality gate said no: the reason, the server's measured message, and how to retake. */
function CannotAssess({ exam }: { exam: ExamView }) {
  const { t, has, lang } = useLooseT();
  const a = exam.analysis?.status === 'rejected' ? exam.analysis : undefined;
  const reason = a?.reason ?? exam.quality?.reason ?? null;
  const failed = a?.quality?.checks.filter((c) => !c.passed) ?? exam.quality?.failedChecks ?? [];
  // The measurements in the user's language; the server's English sentence only when there
  // are none to show (an unreadable file, say).
  const message = failed.length > 0 ? t('lesion.reject.measured', { list: failed.map((c) => checkText(c, t, has, lang)).join('; ') }) : (a?.message ?? exam.quality?.message ?? null);
  return (
    <Alert color="orange" variant="filled" title={t('lesion.reject.title')} data-testid="lesion-cannot-assess" data-reason={reason ?? ''} role="alert">
      <Stack gap={4}>
        {reason && <Text fw={600}>{t(retakeKey(reason))}</Text>}
        {message && <Text size="sm">{message}</Text>}
        <Text size="sm">{t('lesion.reject.retake')}</Text>
      </Stack>
    </Alert>
  );
}

function Labelled({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      {children}
    </div>
  );
}

/** The AI's second opinion, shown once the impression is recorded (or when not blinded). */
function Reveal({ examId, analysis }: { examId: string; analysis: Accepted }) {
  const { t, lang, has } = useLooseT();
  const [heatmapShown, setHeatmapShown] = useState(false);
  const outline = analysis.pictures.find((p) => p.kind === 'outline');
  const heatmap = analysis.pictures.find((p) => p.kind === 'heatmap');
  const op = analysis.suggestion.action === 'refer' ? analysis.calibration.referThreshold : analysis.calibration.monitorThreshold;
  const f = analysis.features;
  const num = (v: number, d = 2) => formatNumber(v, lang, d);
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby={`ai-${examId}`} data-testid="lesion-ai">
      <Title order={2} size="h4" id={`ai-${examId}`} mb="sm">
        {t('lesion.exam.aiTitle')}
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack gap="md">
          <Alert color={analysis.suggestion.action === 'refer' ? 'red' : analysis.suggestion.action === 'monitor' ? 'orange' : 'teal'} variant="light" data-testid="lesion-suggestion" data-action={analysis.suggestion.action}>
            <Group gap="xs" mb={4}>
              <Text fw={600}>{t('lesion.exam.suggestion')}</Text>
              <ActionBadge action={analysis.suggestion.action} />
            </Group>
            <Text size="sm">
              {t(`lesion.suggestionText.${analysis.suggestion.action}`, {
                p: formatProbability(analysis.melanomaProbability, lang),
                threshold: formatProbability(analysis.suggestion.action === 'benign-appearing' ? analysis.calibration.monitorThreshold : op, lang),
              })}
            </Text>
            <Text size="sm" fs="italic" mt={4}>
              {t('lesion.suggestionText.note')}
            </Text>
          </Alert>
          <SimpleGrid cols={2}>
            <Labelled label={t('lesion.exam.melanoma')}>
              <Text size="xl" fw={700} data-testid="lesion-melanoma-probability">
                {formatProbability(analysis.melanomaProbability, lang)}
              </Text>
            </Labelled>
            <Labelled label={t('lesion.exam.malignant')}>
              <Text size="xl" fw={700} data-testid="lesion-malignant-probability">
                {formatProbability(analysis.malignantProbability, lang)}
              </Text>
            </Labelled>
          </SimpleGrid>
          <Labelled label={t('lesion.exam.probabilities')}>
            <ProbabilityBars probabilities={analysis.probabilities} />
          </Labelled>
          <Labelled label={t('lesion.uncertainty.title')}>
            <Stack gap={2} data-testid="lesion-uncertainty" data-level={analysis.uncertainty.level}>
              {uncertaintyText(analysis.uncertainty, lang, t).map((line) => (
                <Text key={line} size="sm">
                  {line}
                </Text>
              ))}
            </Stack>
          </Labelled>
        </Stack>
        <Stack gap="md">
          {outline && (
            <Labelled label={t('lesion.exam.outline')}>
              <Image src={outline.url} alt={t('lesion.exam.outlineAlt')} fit="contain" mah={360} radius="sm" data-testid="lesion-outline" />
            </Labelled>
          )}
          <Labelled label={t('lesion.exam.heatmap')}>
            <Text size="xs" c="dimmed">
              {t('lesion.exam.heatmapHint')}
            </Text>
            {heatmapShown ? (
              <Image src={heatmap?.url ?? `/api/lesion/exams/${encodeURIComponent(examId)}/heatmap.png`} alt={t('lesion.exam.heatmapAlt')} fit="contain" mah={360} radius="sm" data-testid="lesion-heatmap" />
            ) : (
              <Button size="xs" variant="default" mt={4} onClick={() => setHeatmapShown(true)} data-testid="lesion-show-heatmap">
                {t('lesion.exam.showHeatmap')}
              </Button>
            )}
          </Labelled>
        </Stack>
      </SimpleGrid>

      <Title order={3} size="h5" mt="lg" mb="xs">
        {t('lesion.exam.features')}
      </Title>
      {!f.segmentationReliable && (
        <Alert color="yellow" variant="light" mb="xs">
          {t('lesion.exam.segmentationUnreliable')}
        </Alert>
      )}
      <Table verticalSpacing={4} data-testid="lesion-features" maw={640}>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th scope="row">{t('lesion.exam.asymmetry')}</Table.Th>
            <Table.Td>
              {num(f.asymmetry)} <Text span size="xs" c="dimmed">({t('lesion.exam.asymmetryHint')})</Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th scope="row">{t('lesion.exam.border')}</Table.Th>
            <Table.Td>
              {num(f.borderIrregularity)} <Text span size="xs" c="dimmed">({t('lesion.exam.borderHint')})</Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th scope="row">{t('lesion.exam.colours', { count: f.colourCount })}</Table.Th>
            <Table.Td>{f.colours.map((c) => colourLabel(c, t, has)).join(', ') || '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th scope="row">{t('lesion.exam.diameter')}</Table.Th>
            <Table.Td data-testid="lesion-diameter">{diameterText(f, lang)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th scope="row">{t('lesion.exam.area')}</Table.Th>
            <Table.Td>{formatProbability(f.areaFraction, lang)}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>

      <Title order={3} size="h5" mt="lg" mb="xs">
        {t('lesion.exam.quality')}
      </Title>
      <Text size="sm">{analysis.quality.passed ? t('lesion.exam.qualityPassed') : analysis.quality.message}</Text>
      {analysis.quality.notes.length > 0 && (
        <>
          <Text size="sm" fw={500} mt={4}>
            {t('lesion.exam.qualityNotes')}
          </Text>
          <List size="sm" data-testid="lesion-quality-notes">
            {analysis.quality.notes.map((n) => (
              <List.Item key={n}>{noteSentence(n, t, lang)}</List.Item>
            ))}
          </List>
        </>
      )}

      <Stack gap={2} mt="lg" data-testid="lesion-model">
        <Text size="sm">
          {t('lesion.exam.model', { name: analysis.model.name, version: analysis.model.version, sha: analysis.model.sha256.slice(0, 12) })} ·{' '}
          <Anchor component={Link} to="/lesions/model-card" size="sm">
            {t('lesion.exam.modelCard')}
          </Anchor>
        </Text>
        <Text size="sm" data-testid="lesion-calibration">
          {t('lesion.exam.calibration', {
            source: calibrationSourceText(analysis.calibration.source, t),
            temperature: formatNumber(analysis.calibration.temperature, lang, 3),
            refer: formatProbability(analysis.calibration.referThreshold, lang),
            monitor: formatProbability(analysis.calibration.monitorThreshold, lang),
          })}
        </Text>
        <Text size="xs" c="dimmed">
          {t('lesion.exam.inputHash', { sha: analysis.inputSha256.slice(0, 16) })}
        </Text>
      </Stack>
    </Paper>
  );
}

function DiagnosisSelect({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const { t, has } = useLooseT();
  return (
    <NativeSelect
      label={label}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      data={[{ value: '', label: t('lesion.impression.choose') }, ...DIAGNOSIS_CHOICES.map((c) => ({ value: c, label: diagnosisLabel(c, t, has) }))]}
      miw={260}
    />
  );
}

function ActionRadios({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const { t } = useLooseT();
  return (
    <Radio.Group label={label} value={value} onChange={onChange}>
      <Group gap="md" mt={4}>
        {LESION_ACTION_CODES.map((a) => (
          <Radio key={a} value={a} label={t(`lesion.actions.${a}`)} />
        ))}
      </Group>
    </Radio.Group>
  );
}

function isDiagnosis(v: string): v is DiagnosisChoice {
  return (DIAGNOSIS_CHOICES as readonly string[]).includes(v);
}
function isAction(v: string): v is LesionAction {
  return (LESION_ACTION_CODES as readonly string[]).includes(v);
}
function isConfidence(v: string): v is Confidence {
  return (CONFIDENCE_LEVELS as readonly string[]).includes(v);
}

function ImpressionForm({ exam, onSaved }: { exam: ExamView; onSaved: (e: ExamView) => void }) {
  const { t } = useLooseT();
  const [diagnosis, setDiagnosis] = useState('');
  const [action, setAction] = useState('');
  const [confidence, setConfidence] = useState('');
  const [note, setNote] = useState('');
  const form = useFormSubmit();
  const { problem, error, busy } = form;

  const submit = (e: FormEvent) =>
    form.submit(e, () =>
      !isDiagnosis(diagnosis) || !isAction(action) || !isConfidence(confidence)
        ? t('lesion.impression.need')
        : async () => onSaved(await lesionApi.impression(exam.id, { diagnosis, action, confidence, ...(note.trim() ? { note: note.trim() } : {}) })),
    );
  return (
    <Paper withBorder p="md" radius="md">
      <form onSubmit={(e) => void submit(e)} data-testid="lesion-impression-form" noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t('lesion.impression.title')}
          </Title>
          <DiagnosisSelect label={t('lesion.impression.diagnosis')} value={diagnosis} onChange={setDiagnosis} />
          <ActionRadios label={t('lesion.impression.action')} value={action} onChange={setAction} />
          <Radio.Group label={t('lesion.impression.confidence')} value={confidence} onChange={setConfidence}>
            <Group gap="md" mt={4}>
              {CONFIDENCE_LEVELS.map((c) => (
                <Radio key={c} value={c} label={t(`lesion.confidence.${c}`)} />
              ))}
            </Group>
          </Radio.Group>
          <Textarea label={t('lesion.impression.note')} value={note} maxLength={2000} autosize minRows={2} onChange={(e) => setNote(e.currentTarget.value)} />
          <FormFeedback problem={problem} error={error} />
          <Group>
            <Button type="submit" loading={busy} data-testid="lesion-impression-submit">
              {t('lesion.impression.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function ImpressionSummary({ exam }: { exam: ExamView }) {
  const { t, lang, has } = useLooseT();
  const i = exam.impression;
  if (!i) return null;
  return (
    <Paper withBorder p="md" radius="md" data-testid="lesion-impression" data-blinded={i.blinded}>
      <Title order={2} size="h5" mb={4}>
        {t('lesion.impression.recordedTitle')}
      </Title>
      <Text size="sm">
        {t('lesion.impression.recorded', {
          name: i.by.name ?? '—',
          date: formatDate(i.at, lang, true),
          diagnosis: diagnosisLabel(i.diagnosis, t, has),
          action: t(`lesion.actions.${i.action}`),
          confidence: t(`lesion.confidence.${i.confidence}`).toLowerCase(),
        })}
      </Text>
      {i.note && (
        <Text size="sm" fs="italic">
          {i.note}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {i.blinded ? t('lesion.impression.blind') : t('lesion.impression.notBlind')}
      </Text>
    </Paper>
  );
}

function DecisionForm({ exam, analysis, onSaved }: { exam: ExamView; analysis: Accepted; onSaved: (e: ExamView) => void }) {
  const { t } = useLooseT();
  const [agrees, setAgrees] = useState('');
  // Start from the clinician's own impression: the decision usually follows it.
  const [diagnosis, setDiagnosis] = useState<string>(exam.impression?.diagnosis ?? '');
  const [action, setAction] = useState<string>(exam.impression?.action ?? '');
  const [note, setNote] = useState('');
  const form = useFormSubmit();
  const { problem, error, busy } = form;

  const choose = (v: string) => {
    setAgrees(v);
    if (v === 'yes') setAction(analysis.suggestion.action);
  };
  const submit = (e: FormEvent) =>
    form.submit(e, () =>
      (agrees !== 'yes' && agrees !== 'no') || !isDiagnosis(diagnosis) || !isAction(action)
        ? t('lesion.decision.need')
        : async () => onSaved(await lesionApi.decision(exam.id, { agreesWithAi: agrees === 'yes', diagnosis, action, ...(note.trim() ? { note: note.trim() } : {}) })),
    );
  return (
    <Paper withBorder p="md" radius="md">
      <form onSubmit={(e) => void submit(e)} data-testid="lesion-decision-form" noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t('lesion.decision.title')}
          </Title>
          <Radio.Group label={t('lesion.decision.agrees')} value={agrees} onChange={choose}>
            <Group gap="md" mt={4}>
              <Radio value="yes" label={t('lesion.decision.agree')} />
              <Radio value="no" label={t('lesion.decision.disagree')} />
            </Group>
          </Radio.Group>
          <Group align="flex-end" gap="md">
            <DiagnosisSelect label={t('lesion.decision.diagnosis')} value={diagnosis} onChange={setDiagnosis} />
          </Group>
          <ActionRadios label={t('lesion.decision.action')} value={action} onChange={setAction} />
          <Textarea label={t('lesion.decision.note')} value={note} maxLength={2000} autosize minRows={2} onChange={(e) => setNote(e.currentTarget.value)} />
          <FormFeedback problem={problem} error={error} />
          <Group>
            <Button type="submit" loading={busy} data-testid="lesion-sign">
              {t('lesion.decision.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function SignedDecision({ exam }: { exam: ExamView }) {
  const { t, lang, has } = useLooseT();
  const d = exam.decision;
  if (!d) return null;
  return (
    <Alert color="teal" variant="light" title={t('lesion.decision.signed', { name: d.by.name ?? '—', date: formatDate(d.at, lang, true) })} data-testid="lesion-signed" data-agrees={d.agreesWithAi}>
      <Stack gap={2}>
        <Text size="sm">{t('lesion.decision.summary', { diagnosis: diagnosisLabel(d.diagnosis, t, has), action: t(`lesion.actions.${d.action}`) })}</Text>
        <Text size="sm">{d.agreesWithAi ? t('lesion.decision.agreed') : t('lesion.decision.overrode')}</Text>
        {d.note && (
          <Text size="sm" fs="italic">
            {d.note}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          {t('lesion.decision.readOnly')} <Code>DiagnosticReport/{d.diagnosticReportId}</Code>
        </Text>
      </Stack>
    </Alert>
  );
}

/** Today's date (YYYY-MM-DD) in the user's zone: the latest date a pathology report may carry. */
function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function HistopathologyPart({ exam, onSaved }: { exam: ExamView; onSaved: (e: ExamView) => void }) {
  const { t, lang, has } = useLooseT();
  const [open, setOpen] = useState(false);
  const [diagnosis, setDiagnosis] = useState('');
  const [malignant, setMalignant] = useState(false);
  const [date, setDate] = useState('');
  const [note, setNote] = useState('');
  const form = useFormSubmit();
  const { problem, error, busy } = form;
  const h = exam.histopathology;

  if (h) {
    return (
      <Paper withBorder p="md" radius="md" data-testid="lesion-histopathology">
        <Title order={2} size="h5" mb={4}>
          {t('lesion.histo.title')}
        </Title>
        <Group gap="xs">
          <Badge color={h.malignant ? 'red' : 'teal'} variant="light" tt="none">
            {h.malignant ? t('lesion.histo.isMalignant') : t('lesion.histo.isBenign')}
          </Badge>
          <Text size="sm">
            {t('lesion.histo.recorded', {
              diagnosis: diagnosisLabel(h.diagnosis, t, has),
              malignancy: h.malignant ? t('lesion.histo.isMalignant') : t('lesion.histo.isBenign'),
              date: formatDate(h.date, lang),
              name: h.by.name ?? '—',
            })}
          </Text>
        </Group>
        {h.note && (
          <Text size="sm" fs="italic">
            {h.note}
          </Text>
        )}
      </Paper>
    );
  }
  if (!open) {
    return (
      <Group>
        <Button variant="default" onClick={() => setOpen(true)} data-testid="lesion-histo-add">
          {t('lesion.histo.add')}
        </Button>
      </Group>
    );
  }
  const submit = (e: FormEvent) =>
    form.submit(e, () => {
      if (!isDiagnosis(diagnosis) || date === '') return t('lesion.histo.need');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || date > todayIso()) return t('lesion.histo.badDate');
      return async () => onSaved(await lesionApi.histopathology(exam.id, { diagnosis, malignant, date, ...(note.trim() ? { note: note.trim() } : {}) }));
    });
  return (
    <Paper withBorder p="md" radius="md">
      <form onSubmit={(e) => void submit(e)} data-testid="lesion-histo-form" noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t('lesion.histo.add')}
          </Title>
          <Group align="flex-end" gap="md">
            <DiagnosisSelect
              label={t('lesion.histo.diagnosis')}
              value={diagnosis}
              onChange={(v) => {
                setDiagnosis(v);
                // The usual grouping (mel, bcc, akiec malignant) as a starting point; the pathologist's word decides.
                setMalignant(v === 'mel' || v === 'bcc' || v === 'akiec');
              }}
            />
            <TextInput type="date" label={t('lesion.histo.date')} value={date} max={todayIso()} onChange={(e) => setDate(e.currentTarget.value)} />
          </Group>
          <Checkbox label={t('lesion.histo.malignant')} checked={malignant} onChange={(e) => setMalignant(e.currentTarget.checked)} />
          <Textarea label={t('lesion.histo.note')} value={note} maxLength={2000} autosize minRows={2} onChange={(e) => setNote(e.currentTarget.value)} />
          <FormFeedback problem={problem} error={error} />
          <Group>
            <Button type="submit" loading={busy}>
              {t('lesion.histo.submit')}
            </Button>
            <Button variant="subtle" onClick={() => setOpen(false)} disabled={busy}>
              {t('lesion.histo.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
