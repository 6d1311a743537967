/** Pure helpers of the intake screens: flag order and colour, source highlighting, note edits. */
import type { AnswerProblem, Finding } from './form.ts';
import type { FlagSeverity, HistoryEdit, IntakeHistory } from './types.ts';

/** Most pressing first; a severity the server adds later sorts last rather than breaking the page. */
const SEVERITY_RANK: Record<string, number> = { urgent: 0, high: 1, moderate: 2, info: 3 };

export function severityRank(severity: FlagSeverity | string): number {
  return SEVERITY_RANK[severity] ?? 9;
}

/** Mantine colour of a severity. */
export function severityColor(severity: FlagSeverity | string): string {
  switch (severity) {
    case 'urgent':
      return 'red';
    case 'high':
      return 'orange';
    case 'moderate':
      return 'yellow';
    default:
      return 'blue';
  }
}

/** Flags most pressing first, keeping the server's order within a severity. */
export function sortFlags<T extends { severity: string }>(flags: readonly T[]): T[] {
  return flags.map((f, i) => ({ f, i })).sort((a, b) => severityRank(a.f.severity) - severityRank(b.f.severity) || a.i - b.i).map((x) => x.f);
}

/** Positions in `answers` whose linkId is one of `linkIds` (a repeated question matches every row). */
export function sourcePositions(answers: readonly { linkId: string }[], linkIds: readonly string[]): number[] {
  const wanted = new Set(linkIds);
  return answers.flatMap((a, i) => (wanted.has(a.linkId) ? [i] : []));
}

/**
 * The body of PUT .../intake/history for the texts a clinician typed: only sentences whose
 * text changed (trimmed), grouped by section; undefined when nothing changed. An emptied
 * sentence keeps its old text: a sentence is corrected, never silently removed.
 */
export function historyEdit(history: Pick<IntakeHistory, 'versionId' | 'note'>, typed: Readonly<Record<string, string>>): HistoryEdit | undefined {
  const sections: HistoryEdit['sections'] = [];
  for (const section of history.note.sections) {
    const sentences = section.sentences.flatMap((s) => {
      const text = typed[s.id]?.trim();
      return text !== undefined && text !== '' && text !== s.text.trim() ? [{ id: s.id, text }] : [];
    });
    if (sentences.length) sections.push({ code: section.code, sentences });
  }
  return sections.length ? { versionId: history.versionId, sections } : undefined;
}

/** The i18n key and values of an answer problem. */
export function problemMessage(problem: AnswerProblem): { key: `intake.problem.${AnswerProblem['code']}`; values: Record<string, number> } {
  const values: Record<string, number> = {};
  if (problem.code === 'belowMin') values.min = problem.min;
  if (problem.code === 'aboveMax') values.max = problem.max;
  if (problem.code === 'tooLong') values.max = problem.max;
  return { key: `intake.problem.${problem.code}`, values };
}

/** How many required answers each section still lacks. */
export function missingBySection(found: readonly Finding[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of found) if (f.kind === 'missing') out.set(f.section, (out.get(f.section) ?? 0) + 1);
  return out;
}

/** The first shown section that still has something missing or wrong: where a returning patient resumes. */
export function resumeSection(sections: readonly string[], found: readonly Finding[]): number {
  const open = new Set(found.map((f) => f.section));
  const i = sections.findIndex((s) => open.has(s));
  return i < 0 ? 0 : i;
}
