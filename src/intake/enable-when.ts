/**
 * enableWhen, evaluated as FHIR R4 defines it (Questionnaire.item.enableWhen, enableBehavior):
 *
 * - `exists`: true when "the question has an answer" equals answerBoolean.
 * - `=`: true when at least one answer equals the expected value.
 * - `!=`: true when no answer equals it.
 * - `>`, `<`, `>=`, `<=`: true when at least one answer compares so (numbers, dates, times,
 *   strings; quantities of the same unit).
 * - A question with no answer satisfies no operator except `exists` = false (R5 made this
 *   explicit; R4's wording is ambiguous, and this reading keeps `!=` from enabling follow-ups
 *   to a question nobody answered).
 * - `enableBehavior` all (default) or any combines several conditions.
 * - A disabled item counts as unanswered, so its dependants are disabled too; an item is
 *   enabled only when every enclosing group is.
 *
 * Pure: the caller hands in the response view and the questionnaire index.
 */
import type { QuestionnaireItemEnableWhen, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import type { IndexedItem, QuestionnaireIndex } from './questionnaire-index.ts';
import { nodesOf, type Scope } from './response-view.ts';

type Primitive = number | string | boolean;

/** The comparable value of an answer or an enableWhen's expected answer. */
function valueOf(x: Record<string, unknown>): { kind: string; value: Primitive; system?: string | undefined; unit?: string | undefined } | undefined {
  if (typeof x.valueBoolean === 'boolean' || typeof x.answerBoolean === 'boolean') return { kind: 'boolean', value: (x.valueBoolean ?? x.answerBoolean) as boolean };
  for (const k of ['Integer', 'Decimal']) {
    const v = x[`value${k}`] ?? x[`answer${k}`];
    if (typeof v === 'number') return { kind: 'number', value: v };
  }
  for (const k of ['Date', 'DateTime', 'Time', 'String']) {
    const v = x[`value${k}`] ?? x[`answer${k}`];
    if (typeof v === 'string') return { kind: k === 'String' ? 'string' : 'temporal', value: v };
  }
  const coding = (x.valueCoding ?? x.answerCoding) as { system?: string; code?: string } | undefined;
  if (coding && typeof coding.code === 'string') return { kind: 'coding', value: coding.code, system: coding.system };
  const q = (x.valueQuantity ?? x.answerQuantity) as { value?: number; code?: string; unit?: string } | undefined;
  if (q && typeof q.value === 'number') return { kind: 'quantity', value: q.value, unit: q.code ?? q.unit };
  return undefined;
}

/** One answer against one condition (operator other than `exists`). */
export function answerMatches(answer: QuestionnaireResponseItemAnswer, condition: QuestionnaireItemEnableWhen): boolean {
  const a = valueOf(answer as Record<string, unknown>);
  const e = valueOf(condition as unknown as Record<string, unknown>);
  if (!a || !e) return false;
  if (a.kind !== e.kind) return false;
  if (a.kind === 'coding') {
    const same = a.value === e.value && (e.system === undefined || a.system === undefined || a.system === e.system);
    return condition.operator === '=' ? same : condition.operator === '!=' ? !same : false;
  }
  if (a.kind === 'quantity' && a.unit !== e.unit) return false;
  if (a.kind === 'boolean' && condition.operator !== '=' && condition.operator !== '!=') return false;
  const cmp = a.value < e.value ? -1 : a.value > e.value ? 1 : 0;
  switch (condition.operator) {
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    default:
      return false;
  }
}

/** One condition against the answers its question has. */
export function conditionHolds(condition: QuestionnaireItemEnableWhen, answers: readonly QuestionnaireResponseItemAnswer[]): boolean {
  if (condition.operator === 'exists') return (answers.length > 0) === (condition.answerBoolean === true);
  if (answers.length === 0) return false;
  if (condition.operator === '!=') return answers.every((a) => answerMatches(a, condition));
  return answers.some((a) => answerMatches(a, condition));
}

/** Several conditions combined by enableBehavior. No condition: enabled. */
export function conditionsHold(
  conditions: readonly QuestionnaireItemEnableWhen[],
  behavior: 'all' | 'any',
  answersFor: (linkId: string) => readonly QuestionnaireResponseItemAnswer[],
): boolean {
  if (conditions.length === 0) return true;
  const results = conditions.map((c) => conditionHolds(c, answersFor(c.question)));
  return behavior === 'any' ? results.some(Boolean) : results.every(Boolean);
}

/** Decides which items are enabled, memoised per scope; one per response. */
export interface EnableWhenEvaluator {
  /** True when the item (and every enclosing group) is enabled as seen from `scope`. */
  isEnabled(linkId: string, scope: Scope): boolean;
  /** The answers of a question that count: none when the question is itself disabled. */
  effectiveAnswers(linkId: string, scope: Scope): readonly QuestionnaireResponseItemAnswer[];
}

export function createEnableWhenEvaluator(index: QuestionnaireIndex): EnableWhenEvaluator {
  const memo = new WeakMap<Scope, Map<string, boolean>>();
  const visiting = new Set<string>();

  const ownConditions = (item: IndexedItem, scope: Scope): boolean =>
    conditionsHold(item.enableWhen, item.enableBehavior, (question) => evaluator.effectiveAnswers(question, scope));

  const evaluator: EnableWhenEvaluator = {
    isEnabled(linkId, scope) {
      let cache = memo.get(scope);
      if (!cache) memo.set(scope, (cache = new Map()));
      const hit = cache.get(linkId);
      if (hit !== undefined) return hit;
      const item = index.items.get(linkId);
      if (!item) return false;
      const key = `${linkId}@${scopeKey(scope)}`;
      // A cycle in enableWhen (a content bug) reads as disabled rather than overflowing the stack.
      if (visiting.has(key)) return false;
      visiting.add(key);
      try {
        let enabled = true;
        for (const ancestor of [...item.ancestors, linkId]) {
          const def = index.items.get(ancestor);
          if (def && def.enableWhen.length > 0 && !ownConditions(def, scope)) {
            enabled = false;
            break;
          }
        }
        cache.set(linkId, enabled);
        return enabled;
      } finally {
        visiting.delete(key);
      }
    },
    effectiveAnswers(linkId, scope) {
      const nodes = nodesOf(scope, linkId);
      const first = nodes[0];
      if (!first) return [];
      if (!evaluator.isEnabled(linkId, first.scope)) return [];
      return nodes.flatMap((n) => n.answers);
    },
  };
  return evaluator;
}

function scopeKey(scope: Scope): string {
  const parts: string[] = [];
  for (let s: Scope | undefined = scope; s; s = s.parent) parts.push(`${s.group ?? ''}#${s.index}`);
  return parts.join('/');
}
