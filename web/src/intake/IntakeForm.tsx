import { Alert, Anchor, Badge, Button, Fieldset, Grid, Group, List, NavLink, Paper, Progress, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { ErrorNotice, errorMessage } from '../components/ErrorNotice.tsx';
import { useActions } from '../components/useActions.ts';
import { Loading } from '../components/Loading.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { currentLanguage } from '../i18n/index.ts';
import { IntakeRejected, intakeApi } from './api.ts';
import { indexQuestionnaire, type Lang, type Scope } from './engine.ts';
import {
  addInstance,
  childrenOf,
  draftToResponse,
  evaluate,
  fieldKey,
  findings,
  instanceScopes,
  localDate,
  nodeAt,
  normalize,
  removeInstance,
  responseToDraft,
  setValue,
  shownSections,
  type AnswerProblem,
  type Draft,
  type DraftPath,
  type Finding,
} from './form.ts';
import { missingBySection, problemMessage, resumeSection } from './present.ts';
import { QuestionField } from './QuestionField.tsx';
import type { AnswerIssue, DraftAnswer, Questionnaire, SubmitResult } from './types.ts';

/** Quiet time after the last change before the draft is saved. */
const SAVE_DELAY_MS = 800;
const REVIEW = '#review';

type SaveState = { state: 'idle' | 'pending' | 'saving' | 'saved' | 'error'; at?: string | undefined; error?: unknown };

/**
 * The intake questionnaire for one patient, section by section, then a review step that
 * lists what is missing and submits. Used by the patient (their own record) and by staff
 * filling it in with the patient on a tablet.
 */
export function IntakeForm({ patientId, staff }: { patientId: string; staff: boolean }) {
  const { t } = useTranslation();
  const load = useLoad(() => Promise.all([intakeApi.questionnaire(), intakeApi.draft(patientId)]), [patientId]);
  if (load.status === 'loading') return <Loading />;
  if (load.status === 'error') {
    if (load.error instanceof ApiError && load.error.code === 'CONSENT_MISSING') {
      return (
        <Alert color="yellow" variant="light" data-testid="intake-no-consent">
          {t('intake.noConsent')}
        </Alert>
      );
    }
    return <ErrorNotice error={load.error} onRetry={load.reload} />;
  }
  const [questionnaire, saved] = load.data;
  return <IntakeFormBody key={patientId} patientId={patientId} staff={staff} questionnaire={questionnaire} saved={saved} />;
}

function IntakeFormBody({ patientId, staff, questionnaire, saved }: { patientId: string; staff: boolean; questionnaire: Questionnaire; saved: DraftAnswer }) {
  const { t, i18n } = useTranslation();
  const lang: Lang = currentLanguage();
  const index = useMemo(() => indexQuestionnaire(questionnaire), [questionnaire]);
  const today = useMemo(() => localDate(new Date()), []);
  const [draft, setDraft] = useState<Draft>(() => normalize(responseToDraft(saved.response, index), index));
  const ev = useMemo(() => evaluate(draft, index), [draft, index]);
  const sections = useMemo(() => shownSections(ev), [ev]);
  const found = useMemo(() => findings(draft, index, today, ev), [draft, index, today, ev]);
  const [current, setCurrent] = useState<string>(() => (saved.response ? (sections[resumeSection(sections, found)] ?? sections[0]) : sections[0]) ?? REVIEW);
  const [typeProblems, setTypeProblems] = useState<Record<string, Finding>>({});
  const [serverIssues, setServerIssues] = useState<AnswerIssue[]>([]);
  const [save, setSave] = useState<SaveState>(saved.savedAt ? { state: 'saved', at: saved.savedAt } : { state: 'idle' });
  const submitting = useActions<'submit'>();
  const submitError = submitting.failed?.error;
  const [submitted, setSubmitted] = useState<SubmitResult | undefined>(undefined);
  const [focusTarget, setFocusTarget] = useState<string | undefined>(undefined);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  // Save-as-you-go: changes mark the draft dirty; a quiet moment, a section change or leaving
  // the page saves it. Saves run one after another so an older one never lands last.
  const latest = useRef(draft);
  latest.current = draft;
  const dirty = useRef(false);
  const chain = useRef<Promise<void>>(Promise.resolve());
  const flush = useCallback((): Promise<void> => {
    if (!dirty.current) return chain.current;
    dirty.current = false;
    const response = draftToResponse(latest.current, index);
    setSave((s) => ({ ...s, state: 'saving' }));
    chain.current = chain.current
      .then(() => intakeApi.saveDraft(patientId, response))
      .then(
        (r) => {
          setServerIssues(r.issues ?? []);
          setSave({ state: dirty.current ? 'pending' : 'saved', at: r.savedAt });
        },
        (e: unknown) => {
          // Keep the answers on screen and try again with the next change.
          dirty.current = true;
          setSave((s) => ({ ...s, state: 'error', error: e }));
        },
      );
    return chain.current;
  }, [index, patientId]);

  useEffect(() => {
    if (!dirty.current) return;
    const timer = setTimeout(() => void flush(), SAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, flush]);
  useEffect(() => () => void flush(), [flush]);

  const change = useCallback(
    (fn: (d: Draft) => Draft) => {
      dirty.current = true;
      setSave((s) => ({ ...s, state: 'pending' }));
      setDraft((d) => normalize(fn(d), index));
    },
    [index],
  );

  const goTo = (section: string, focus?: string) => {
    void flush();
    setCurrent(section);
    setFocusTarget(focus);
  };

  // Moving between sections puts the keyboard (and a screen reader) at the new heading, or
  // at the question the review step pointed to.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const target = focusTarget ? document.getElementById(focusTarget) : headingRef.current;
    target?.focus();
    target?.scrollIntoView({ block: 'center' });
  }, [current, focusTarget]);

  const shownCurrent = current === REVIEW || sections.includes(current) ? current : (sections[0] ?? REVIEW);
  const localProblems = Object.values(typeProblems);
  const problems = [...localProblems, ...found.filter((f) => f.kind === 'problem' && !typeProblems[fieldKey(f.path, f.linkId)])];
  const missing = found.filter((f) => f.kind === 'missing' && !typeProblems[fieldKey(f.path, f.linkId)]);
  const missingBy = missingBySection(missing);
  const problemSections = new Set(problems.map((p) => p.section));
  const done = sections.filter((s) => !missingBy.get(s) && !problemSections.has(s)).length;
  const issueBy = new Map(serverIssues.map((i) => [i.linkId, i.message]));
  const text = (linkId: string) => index.items.get(linkId)?.text[lang] ?? linkId;

  const renderItems = (parent: string, path: DraftPath, scope: Scope): ReactNode[] => {
    const node = nodeAt(draft, path) ?? {};
    return childrenOf(index, parent).flatMap((linkId) => {
      const item = index.items.get(linkId);
      if (!item || !ev.evaluator.isEnabled(linkId, scope)) return [];
      const key = fieldKey(path, linkId);
      if (item.type === 'group' && !item.repeats) {
        return [
          <Fieldset key={key} legend={item.text[lang]} variant="unstyled" data-linkid={linkId}>
            <Stack gap="md">{renderItems(linkId, path, scope)}</Stack>
          </Fieldset>,
        ];
      }
      if (item.type === 'group') {
        const held = node[linkId];
        const instances = (Array.isArray(held) ? held : []) as Draft[];
        const scopes = instanceScopes(scope, linkId, instances);
        const what = item.text[lang];
        return [
          <Stack key={key} gap="sm" data-testid={`group-${linkId}`}>
            {instances.map((_, i) => (
              <Paper key={i} withBorder p="sm" radius="md" component="fieldset" aria-label={t('intake.instance', { what, n: i + 1 })} data-testid={`instance-${linkId}`}>
                <Group justify="space-between" mb="xs">
                  <Text fw={600}>{t('intake.instance', { what, n: i + 1 })}</Text>
                  {instances.length > 1 && (
                    <Button
                      variant="subtle"
                      color="red"
                      size="xs"
                      aria-label={t('intake.removeInstanceLabel', { what, n: i + 1 })}
                      onClick={() => change((d) => removeInstance(d, path, linkId, i))}
                    >
                      {t('intake.removeInstance')}
                    </Button>
                  )}
                </Group>
                <Stack gap="md">{renderItems(linkId, [...path, { group: linkId, index: i }], scopes[i] ?? scope)}</Stack>
              </Paper>
            ))}
            <Group>
              <Button variant="light" size="sm" onClick={() => change((d) => addInstance(d, path, linkId))}>
                {t('intake.addInstance', { what })}
              </Button>
            </Group>
          </Stack>,
        ];
      }
      return [
        <QuestionField
          key={key}
          id={`q-${key}`}
          item={item}
          value={node[linkId] as never}
          lang={lang}
          today={today}
          serverIssue={path.length === 0 ? issueBy.get(linkId) : undefined}
          onChange={(v) => change((d) => setValue(d, path, linkId, v))}
          onTypeProblem={(p: AnswerProblem | undefined) =>
            setTypeProblems((all) => {
              const next = { ...all };
              if (p) next[key] = { linkId, section: item.ancestors[0] ?? linkId, path, kind: 'problem', problem: p };
              else delete next[key];
              return next;
            })
          }
        />,
      ];
    });
  };

  const submit = () =>
    submitting.run('submit', async () => {
      const result = await intakeApi.submit(patientId, draftToResponse(draft, index, { status: 'completed', authored: new Date().toISOString() }));
      // The draft became the submitted response: nothing is left to save.
      dirty.current = false;
      setSubmitted(result);
    });

  const saveText = (() => {
    switch (save.state) {
      case 'saving':
        return t('intake.saving');
      case 'saved':
        return t('intake.saved', { time: save.at ? new Date(save.at).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' }) : '' });
      case 'error':
        return t('intake.saveFailed', { message: errorMessage(save.error) });
      default:
        return save.state === 'pending' ? t('intake.notSaved') : '';
    }
  })();

  if (submitted) {
    return (
      <Stack data-testid="intake-submitted">
        <Alert color="teal" variant="light" title={staff ? t('intake.submittedStaff') : t('intake.submitted')}>
          {staff && <Text mb="xs">{submitted.changes.summary[lang]}</Text>}
          {submitted.missing.length > 0 && <Text>{t('intake.submittedMissing', { count: submitted.missing.length })}</Text>}
        </Alert>
        <Group>
          <Anchor component={Link} to={`/patients/${encodeURIComponent(patientId)}`}>
            {staff ? t('intake.openChart') : t('intake.backToRecord')}
          </Anchor>
        </Group>
      </Stack>
    );
  }

  const sectionIndex = sections.indexOf(shownCurrent);
  return (
    <Stack gap="md" data-testid="intake-form">
      {staff && (
        <Alert color="blue" variant="light">
          {t('intake.staffNote')}
        </Alert>
      )}
      {!staff && <Text maw={760}>{t('intake.intro')}</Text>}
      {saved.response && saved.savedAt && (
        <Alert color="teal" variant="light" data-testid="intake-resumed">
          {t('intake.resumed', { date: formatDate(saved.savedAt, i18n.language, true) })}
        </Alert>
      )}
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" c="dimmed">
          {t('intake.requiredHint')}
        </Text>
        <Text size="sm" role="status" aria-live="polite" data-testid="intake-save" data-state={save.state} c={save.state === 'error' ? 'red' : 'dimmed'}>
          {saveText}
        </Text>
      </Group>
      <Progress value={sections.length ? (100 * done) / sections.length : 0} aria-label={t('intake.progress', { done, total: sections.length })} size="sm" />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, sm: 4, md: 3 }}>
          <nav aria-label={t('intake.sections')}>
            <Text size="sm" c="dimmed" mb={4}>
              {t('intake.progress', { done, total: sections.length })}
            </Text>
            <Stack gap={2}>
              {sections.map((s, i) => {
                const open = missingBy.get(s) ?? 0;
                const wrong = problemSections.has(s);
                return (
                  <NavLink
                    key={s}
                    component="button"
                    type="button"
                    active={s === shownCurrent}
                    color={wrong ? 'red' : 'teal'}
                    aria-current={s === shownCurrent ? 'step' : undefined}
                    onClick={() => goTo(s)}
                    label={`${i + 1}. ${text(s)}`}
                    styles={{ root: { borderRadius: 6 } }}
                    rightSection={
                      wrong ? (
                        <Badge size="sm" color="red" variant="filled" circle>
                          !
                        </Badge>
                      ) : open > 0 ? (
                        <Badge size="sm" color="gray" variant="light">
                          {open}
                          <VisuallyHidden> {t('intake.sectionMissing', { count: open })}</VisuallyHidden>
                        </Badge>
                      ) : (
                        <Text c="teal.7" fw={700} size="sm">
                          <span aria-hidden>✓</span>
                          <VisuallyHidden>{t('intake.sectionDone')}</VisuallyHidden>
                        </Text>
                      )
                    }
                  />
                );
              })}
              <Button variant={shownCurrent === REVIEW ? 'filled' : 'outline'} fullWidth size="sm" mt="xs" aria-current={shownCurrent === REVIEW ? 'step' : undefined} onClick={() => goTo(REVIEW)}>
                {t('intake.review')}
              </Button>
            </Stack>
          </nav>
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 8, md: 9 }}>
          {shownCurrent === REVIEW ? (
            <Paper component="section" withBorder radius="md" p="md" aria-labelledby="intake-step-title" data-testid="intake-review">
              <Title order={2} size="h3" id="intake-step-title" tabIndex={-1} ref={headingRef} mb="xs">
                {t('intake.review')}
              </Title>
              <Text mb="md">{t('intake.reviewIntro')}</Text>
              <Stack gap="md">
                {problems.length > 0 && (
                  <Alert color="red" variant="light" title={t('intake.problemsTitle', { count: problems.length })} data-testid="intake-problems">
                    <FindingList items={problems} text={text} onGo={(f) => goTo(f.section, `q-${fieldKey(f.path, f.linkId)}`)} />
                  </Alert>
                )}
                {missing.length > 0 && (
                  <Alert color="yellow" variant="light" title={t('intake.missingTitle', { count: missing.length })} data-testid="intake-missing">
                    <FindingList items={missing} text={text} onGo={(f) => goTo(f.section, `q-${fieldKey(f.path, f.linkId)}`)} />
                  </Alert>
                )}
                {problems.length === 0 && missing.length === 0 && (
                  <Alert color="teal" variant="light" data-testid="intake-all-answered">
                    {t('intake.allAnswered')}
                  </Alert>
                )}
                {submitError !== undefined &&
                  (submitError instanceof IntakeRejected ? (
                    <Alert color="red" variant="light" role="alert" title={t('intake.serverRejected')}>
                      <List size="sm">
                        {submitError.errors.map((e, i) => (
                          <List.Item key={i}>{e.message}</List.Item>
                        ))}
                      </List>
                    </Alert>
                  ) : (
                    <ErrorNotice error={submitError} />
                  ))}
                <Group>
                  <Button onClick={() => void submit()} loading={submitting.busy !== undefined} disabled={problems.length > 0}>
                    {t('intake.submit')}
                  </Button>
                  <Text size="sm" c="dimmed">
                    {problems.length > 0 ? t('intake.submitBlocked') : missing.length > 0 ? t('intake.submitIncomplete') : ''}
                  </Text>
                </Group>
              </Stack>
            </Paper>
          ) : (
            <Paper component="section" withBorder radius="md" p="md" aria-labelledby="intake-step-title" data-testid="intake-section" data-section={shownCurrent}>
              <Title order={2} size="h3" id="intake-step-title" tabIndex={-1} ref={headingRef}>
                {text(shownCurrent)}
              </Title>
              <Text size="sm" c="dimmed" mb="md">
                {t('intake.sectionOf', { current: sectionIndex + 1, total: sections.length })}
              </Text>
              <Stack gap="lg">{renderItems(shownCurrent, [], ev.root)}</Stack>
              <Group justify="space-between" mt="xl">
                <Button variant="default" disabled={sectionIndex <= 0} onClick={() => goTo(sections[sectionIndex - 1] ?? shownCurrent)}>
                  {t('intake.previous')}
                </Button>
                <Button onClick={() => goTo(sections[sectionIndex + 1] ?? REVIEW)}>{sectionIndex + 1 < sections.length ? t('intake.next') : t('intake.review')}</Button>
              </Group>
            </Paper>
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

/** Findings as links that take the user to the question. */
function FindingList({ items, text, onGo }: { items: readonly Finding[]; text: (linkId: string) => string; onGo: (f: Finding) => void }) {
  const { t } = useTranslation();
  return (
    <List size="sm" spacing={4}>
      {items.map((f, i) => {
        const message = f.problem ? problemMessage(f.problem) : undefined;
        return (
          <List.Item key={`${fieldKey(f.path, f.linkId)}-${i}`}>
            <Anchor component="button" type="button" size="sm" onClick={() => onGo(f)} data-linkid={f.linkId}>
              {t('intake.goTo', { question: text(f.linkId) })}
            </Anchor>{' '}
            <Text span size="sm" c="dimmed">
              {t('intake.inSection', { section: text(f.section) })}
              {message ? ` — ${t(message.key, message.values)}` : ''}
            </Text>
          </List.Item>
        );
      })}
    </List>
  );
}
