import { Alert, Anchor, Badge, Box, Button, Grid, Group, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError, isNotFound } from '../api/errors.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { STAFF } from '../auth/home.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useActions } from '../components/useActions.ts';
import { Loading } from '../components/Loading.tsx';
import { Section } from '../components/Section.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { currentLanguage } from '../i18n/index.ts';
import { intakeApi } from './api.ts';
import { historyEdit, severityColor, sortFlags, sourcePositions } from './present.ts';
import type { FlagJson, IntakeHistory } from './types.ts';

/**
 * The chart's preliminary history from the patient's intake: red flags first, then the note
 * sentence by sentence. Pointing at, tapping or focusing a sentence (or a flag) highlights
 * the answers it came from in the side panel. Clinicians correct sentences and sign; a
 * signed note shows who and when and is read-only.
 */
export function IntakeHistorySection({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const lang = currentLanguage();
  const load = useLoad(() => intakeApi.history(patientId, lang), [patientId, lang]);
  const staff = user !== null && user !== undefined && STAFF.includes(user.role);
  const fill = staff && (
    <Anchor component={Link} to={`/patients/${encodeURIComponent(patientId)}/intake`} size="sm" data-testid="intake-fill">
      {t('intake.fillWithPatient')}
    </Anchor>
  );
  return (
    <Section title={t('intake.history.title')} testId="intake-history">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' &&
        (isNotFound(load.error) ? (
          <Group justify="space-between">
            <Text c="dimmed" data-testid="intake-history-none">
              {t('intake.history.none')}
            </Text>
            {fill}
          </Group>
        ) : load.error instanceof ApiError && load.error.code === 'CONSENT_MISSING' ? (
          <Text c="dimmed">{t('intake.noConsent')}</Text>
        ) : (
          <ErrorNotice error={load.error} onRetry={load.reload} />
        ))}
      {load.status === 'ok' && (
        <HistoryBody key={`${load.data.compositionId}-${i18n.language}`} patientId={patientId} initial={load.data} fill={fill || null} />
      )}
    </Section>
  );
}

function HistoryBody({ patientId, initial, fill }: { patientId: string; initial: IntakeHistory; fill: ReactNode }) {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const lang = currentLanguage();
  const [history, setHistory] = useState(initial);
  const [active, setActive] = useState<{ id: string; linkIds: string[] } | undefined>(undefined);
  const [editing, setEditing] = useState<Record<string, string> | undefined>(undefined);
  const [confirmSign, setConfirmSign] = useState(false);
  const actions = useActions<'change'>();
  const busy = actions.busy !== undefined;
  const [notice, setNotice] = useState<{ color: string; text: string } | undefined>(undefined);
  const panelRef = useRef<HTMLDivElement>(null);
  const canSign = user?.role === 'clinician' || user?.role === 'admin';
  const signed = history.status === 'final';
  const highlighted = new Set(active ? sourcePositions(history.answers, active.linkIds) : []);

  // Bring the first highlighted answer into view inside the panel (not the whole page).
  useEffect(() => {
    const panel = panelRef.current;
    const first = panel?.querySelector<HTMLElement>('[data-active="true"]');
    if (!panel || !first) return;
    // The panel is the answers' offset parent (position: relative), so offsetTop is inside it.
    const top = first.offsetTop;
    if (top < panel.scrollTop || top + first.offsetHeight > panel.scrollTop + panel.clientHeight) {
      panel.scrollTo({ top: Math.max(0, top - 8) });
    }
  }, [active]);

  const point = (id: string, linkIds: readonly string[]) => ({
    onMouseEnter: () => setActive({ id, linkIds: [...linkIds] }),
    onFocus: () => setActive({ id, linkIds: [...linkIds] }),
    onClick: () => setActive({ id, linkIds: [...linkIds] }),
  });

  const run = async (action: () => Promise<IntakeHistory>, done: string) => {
    setNotice(undefined);
    await actions.run('change', async () => {
      try {
        setHistory(await action());
        setEditing(undefined);
        setConfirmSign(false);
        setNotice({ color: 'teal', text: done });
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 'VERSION_CONFLICT' || e.code === 'CONFLICT'))) throw e;
        // Someone else changed the history first: show theirs, and say so. Fetched here rather
        // than by reloading the section, which would unmount this notice before it is read.
        setEditing(undefined);
        setConfirmSign(false);
        setHistory(await intakeApi.history(patientId, lang));
        setNotice({ color: 'yellow', text: t('intake.history.conflict') });
      }
    });
  };

  const saveEdits = () => {
    const edit = editing ? historyEdit(history, editing) : undefined;
    if (!edit) {
      setEditing(undefined);
      return;
    }
    void run(() => intakeApi.editHistory(patientId, edit, lang), t('intake.history.saved'));
  };

  const flags = sortFlags(history.flags);
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm">
          <Badge color={signed ? 'teal' : 'gray'} variant={signed ? 'filled' : 'light'} data-testid="intake-note-status">
            {signed ? t('intake.history.final') : t('intake.history.preliminary')}
          </Badge>
          {signed && history.signedBy && (
            <Text size="sm" data-testid="intake-signed-by">
              {t('intake.history.signedBy', { name: history.signedBy.displayName, date: formatDate(history.signedAt, i18n.language, true) })}
            </Text>
          )}
        </Group>
        {fill}
      </Group>

      <Box data-testid="intake-flags">
        <Title order={3} size="h5" mb="xs">
          {t('intake.history.flags')}
        </Title>
        {flags.length === 0 ? (
          <Text c="dimmed">{t('intake.history.noFlags')}</Text>
        ) : (
          <Stack gap="xs">
            {flags.map((f) => (
              <FlagCard key={f.code} flag={f} lang={lang} active={active?.id === `flag-${f.code}`} point={point(`flag-${f.code}`, f.linkIds)} />
            ))}
          </Stack>
        )}
      </Box>

      {!history.note.complete && (
        <Alert color="yellow" variant="light">
          {t('intake.history.incomplete')}
        </Alert>
      )}

      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder radius="md" p="md" component="article" aria-labelledby="intake-note-title" data-testid="intake-note">
            <Title order={3} size="h4" id="intake-note-title" mb="xs">
              {history.note.title}
            </Title>
            <Text size="sm" c="dimmed" mb="sm">
              {signed ? t('intake.history.readOnly') : t('intake.history.sourcesHint')}
            </Text>
            <Stack gap="sm">
              {history.note.sections.map((section) => (
                <Box key={section.code} component="section" aria-label={section.title} data-section={section.code}>
                  <Title order={4} size="h6" mb={4}>
                    {section.title}
                  </Title>
                  {editing ? (
                    <Stack gap="xs">
                      {section.sentences.map((s, i) => (
                        <Textarea
                          key={s.id}
                          autosize
                          minRows={1}
                          label={t('intake.history.sentenceLabel', { section: section.title, n: i + 1 })}
                          labelProps={{ style: { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' } }}
                          value={editing[s.id] ?? s.text}
                          onChange={(e) => {
                            const value = e.currentTarget.value;
                            setEditing((all) => ({ ...all, [s.id]: value }));
                          }}
                          onFocus={() => setActive({ id: s.id, linkIds: s.linkIds })}
                          data-sentence-id={s.id}
                        />
                      ))}
                    </Stack>
                  ) : (
                    <Text component="p" m={0} lh={1.7}>
                      {section.sentences.map((s) => (
                        <span key={s.id}>
                          <Text
                            span
                            tabIndex={0}
                            data-sentence-id={s.id}
                            data-kind={s.kind}
                            data-active={active?.id === s.id}
                            bg={active?.id === s.id ? 'yellow.1' : undefined}
                            c={s.kind === 'flag' ? 'red.8' : s.kind === 'missing' ? 'dimmed' : undefined}
                            style={{ borderRadius: 4, cursor: 'pointer', padding: '1px 2px' }}
                            {...point(s.id, s.linkIds)}
                          >
                            {s.text}
                          </Text>
                          {s.edited && (
                            <Badge size="xs" variant="outline" color="gray" ml={4}>
                              {t('intake.history.edited')}
                            </Badge>
                          )}{' '}
                        </span>
                      ))}
                    </Text>
                  )}
                </Box>
              ))}
            </Stack>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder radius="md" p="md" component="aside" aria-labelledby="intake-sources-title" style={{ position: 'sticky', top: 76 }}>
            <Title order={3} size="h5" id="intake-sources-title" mb={4}>
              {t('intake.history.sources')}
            </Title>
            <Text size="sm" c="dimmed" mb="xs" aria-live="polite" data-testid="intake-sources-status">
              {active
                ? highlighted.size > 0
                  ? t('intake.history.sourcesOf', { count: highlighted.size })
                  : t('intake.history.noSources')
                : t('intake.history.sourcesHint')}
            </Text>
            <Box ref={panelRef} mah={520} style={{ overflowY: 'auto', position: 'relative' }} data-testid="intake-answers">
              <Stack gap={4} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                {history.answers.map((a, i) => (
                  <Box
                    key={i}
                    component="li"
                    data-linkid={a.linkId}
                    data-active={highlighted.has(i)}
                    aria-current={highlighted.has(i) ? 'true' : undefined}
                    p={6}
                    bg={highlighted.has(i) ? 'yellow.1' : undefined}
                    style={{ borderRadius: 6, borderLeft: highlighted.has(i) ? '4px solid var(--mantine-color-yellow-6)' : '4px solid transparent' }}
                  >
                    <Text size="xs" c="dimmed">
                      {a.text}
                    </Text>
                    <Text size="sm">{a.answer}</Text>
                  </Box>
                ))}
              </Stack>
            </Box>
          </Paper>
        </Grid.Col>
      </Grid>

      {notice && (
        <Alert color={notice.color} variant="light" role="status">
          {notice.text}
        </Alert>
      )}
      {actions.failed && <ErrorNotice error={actions.failed.error} />}
      {canSign && !signed && (
        <Stack gap="xs">
          {confirmSign && (
            <Alert color="blue" variant="light">
              {t('intake.history.signWarning')}
            </Alert>
          )}
          <Group>
            {editing ? (
              <>
                <Button onClick={saveEdits} loading={busy}>
                  {t('intake.history.save')}
                </Button>
                <Button variant="default" onClick={() => setEditing(undefined)} disabled={busy}>
                  {t('intake.history.cancel')}
                </Button>
              </>
            ) : confirmSign ? (
              <>
                <Button color="teal" loading={busy} onClick={() => void run(() => intakeApi.sign(patientId, history.versionId, lang), t('intake.history.final'))}>
                  {t('intake.history.signConfirm')}
                </Button>
                <Button variant="default" onClick={() => setConfirmSign(false)} disabled={busy}>
                  {t('intake.history.cancel')}
                </Button>
              </>
            ) : (
              <>
                <Button variant="default" onClick={() => setEditing({})}>
                  {t('intake.history.edit')}
                </Button>
                <Button onClick={() => setConfirmSign(true)}>{t('intake.history.sign')}</Button>
              </>
            )}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}

function FlagCard({ flag, lang, active, point }: { flag: FlagJson; lang: 'en' | 'es'; active: boolean; point: Record<string, () => void> }) {
  const { t } = useTranslation();
  return (
    <Alert
      color={severityColor(flag.severity)}
      variant={active ? 'outline' : 'light'}
      tabIndex={0}
      data-testid="intake-flag"
      data-code={flag.code}
      data-severity={flag.severity}
      title={
        <Group gap="xs">
          <Badge color={severityColor(flag.severity)} size="sm">
            {t(`intake.history.severity.${flag.severity}` as 'intake.history.severity.urgent')}
          </Badge>
          <span>{flag.title[lang]}</span>
        </Group>
      }
      {...point}
    >
      <Text size="sm">
        <strong>{t('intake.history.reason')}:</strong> {flag.reason[lang]}
      </Text>
      <Text size="sm">
        <strong>{t('intake.history.action')}:</strong> {flag.action[lang]}
      </Text>
    </Alert>
  );
}
