/** Small pieces shared by the lesion pages: labels, badges, the probability bars. */
import { Alert, Badge, Group, Progress, Stack, Text } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useActions } from '../components/useActions.ts';
import { useTranslation } from 'react-i18next';
import type { LesionAction } from '../../../src/lesion/model-card.ts';
import type { BodySite, ExamStatus } from './api.ts';
import { actionColor, formatProbability, probabilityBars, statusColor, type Translate } from './present.ts';
import type { ExamAnalysis } from './api.ts';

type Accepted = Extract<ExamAnalysis, { status: 'ok' }>;

/** i18next's t, loosened for keys built at run time (each family is listed in en.ts). */
export function useLooseT(): { t: Translate; lang: string; has: (key: string) => boolean } {
  const { t, i18n } = useTranslation();
  return { t: t as unknown as Translate, lang: i18n.language, has: (key) => i18n.exists(key) };
}

/** A diagnosis code (a class or 'other') in words; an unknown code shows as it is. */
export function diagnosisLabel(code: string, t: Translate, has: (key: string) => boolean): string {
  const key = `lesion.classes.${code}`;
  return has(key) ? t(key) : code;
}

/** A colour name the segmentation reports, translated when known. */
export function colourLabel(name: string, t: Translate, has: (key: string) => boolean): string {
  const key = `lesion.colours.${name}`;
  return has(key) ? t(key) : name;
}

/** A body site in the reader's language. */
export function siteLabel(site: Pick<BodySite, 'label' | 'display'>, lang: string): string {
  return (lang.startsWith('es') ? site.label.es : site.label.en) || site.display;
}

export function ExamStatusBadge({ status }: { status: ExamStatus }) {
  const { t } = useLooseT();
  return (
    <Badge color={statusColor(status)} variant="light" tt="none" data-testid="lesion-exam-status" data-status={status}>
      {t(`lesion.status.${status}`)}
    </Badge>
  );
}

export function ActionBadge({ action, testId }: { action: LesionAction; testId?: string }) {
  const { t } = useLooseT();
  return (
    <Badge color={actionColor(action)} variant="light" tt="none" data-testid={testId} data-action={action}>
      {t(`lesion.actions.${action}`)}
    </Badge>
  );
}

/** All seven calibrated probabilities as labelled bars, most probable first. */
export function ProbabilityBars({ probabilities }: { probabilities: Accepted['probabilities'] }) {
  const { t, lang, has } = useLooseT();
  return (
    <Stack gap={6} data-testid="lesion-probabilities" role="list">
      {probabilityBars(probabilities).map((bar) => {
        const label = diagnosisLabel(bar.code, t, has);
        const value = formatProbability(bar.value, lang);
        return (
          <div key={bar.code} role="listitem" data-testid="lesion-probability" data-class={bar.code} data-value={bar.value}>
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text size="sm" fw={bar.malignant ? 600 : 400}>
                {label}
              </Text>
              <Text size="sm" ff="monospace">
                {value}
              </Text>
            </Group>
            <Progress value={bar.percent} color={bar.malignant ? 'red' : 'gray'} size="md" aria-label={`${label}: ${value}`} />
          </div>
        );
      })}
    </Stack>
  );
}

/**
 * What a lesion form says after a failed submit: the client-side problem (a missing field)
 * and the server's error; `renderError` replaces the default error notice (e.g. consent).
 */
export function FormFeedback({ problem, error, renderError }: { problem: string | null | undefined; error: unknown; renderError?: (error: unknown) => ReactNode }) {
  return (
    <>
      {problem && (
        <Alert color="orange" variant="light" role="alert">
          {problem}
        </Alert>
      )}
      {error !== undefined && (renderError ? renderError(error) : <ErrorNotice error={error} />)}
    </>
  );
}

/**
 * The submit cycle every lesion form shares: clear the last messages; `prepare` checks the
 * inputs and returns either the problem's message (shown, nothing sent) or the send to run,
 * which runs with the button busy, keeping its error. Returning the send from the check lets
 * it use the values the check has validated.
 */
export function useFormSubmit(): {
  problem: string | undefined;
  error: unknown;
  busy: boolean;
  submit: (e: FormEvent, prepare: () => string | (() => Promise<void>)) => Promise<void>;
} {
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const actions = useActions<'submit'>();
  const submit = async (e: FormEvent, prepare: () => string | (() => Promise<void>)): Promise<void> => {
    e.preventDefault();
    setProblem(undefined);
    actions.clear();
    const send = prepare();
    if (typeof send === 'string') return setProblem(send);
    await actions.run('submit', send);
  };
  return { problem, error: actions.failed?.error, busy: actions.busy !== undefined, submit };
}
