/**
 * A QuestionnaireResponse read into scopes. The root and each instance of a repeating group
 * are scopes; non-repeating groups are transparent, so `answers(scope, 'cv.bp.systolic')`
 * finds the answer wherever its group sits. A lookup that misses in an instance continues in
 * the enclosing scope, which is also how enableWhen finds its question (R4: the question is
 * resolved in the item's own group instance or an ancestor's).
 */
import type { Coding, QuestionnaireResponse, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import type { QuestionnaireIndex } from './questionnaire-index.ts';

/** One QuestionnaireResponse item as found, with its JSON path for error messages. */
export interface ResponseNode {
  readonly linkId: string;
  readonly item: QuestionnaireResponseItem;
  /** JSON-ish path inside the response, e.g. `item[4].item[1]`. */
  readonly path: string;
  readonly answers: readonly QuestionnaireResponseItemAnswer[];
  readonly scope: Scope;
}

/** The root of the response or one instance of a repeating group. */
export interface Scope {
  readonly parent: Scope | undefined;
  /** The repeating group's linkId; undefined at the root. */
  readonly group: string | undefined;
  /** 0-based instance number within its parent scope. */
  readonly index: number;
  /** Items found directly in this scope (not inside nested repeating-group instances). */
  readonly nodes: Map<string, ResponseNode[]>;
  /** Instances of repeating groups directly inside this scope. */
  readonly instances: Map<string, Scope[]>;
}

export interface ResponseView {
  readonly response: QuestionnaireResponse;
  readonly root: Scope;
  /** Every node, in document order. */
  readonly nodes: readonly ResponseNode[];
}

function newScope(parent: Scope | undefined, group: string | undefined, index: number): Scope {
  return { parent, group, index, nodes: new Map(), instances: new Map() };
}

/** Reads a response into scopes. Tolerant: unknown linkIds are kept (validation reports them). */
export function viewResponse(response: QuestionnaireResponse, index: QuestionnaireIndex): ResponseView {
  const root = newScope(undefined, undefined, 0);
  const all: ResponseNode[] = [];
  const walk = (items: QuestionnaireResponseItem[] | undefined, scope: Scope, path: string): void => {
    (Array.isArray(items) ? items : []).forEach((item, i) => {
      if (!item || typeof item !== 'object') return;
      const here = `${path}item[${i}]`;
      const linkId = typeof item.linkId === 'string' ? item.linkId : '';
      const def = index.items.get(linkId);
      let target = scope;
      if (def?.type === 'group' && def.repeats) {
        const list = scope.instances.get(linkId) ?? [];
        target = newScope(scope, linkId, list.length);
        list.push(target);
        scope.instances.set(linkId, list);
      }
      const node: ResponseNode = { linkId, item, path: here, answers: Array.isArray(item.answer) ? item.answer : [], scope };
      const list = scope.nodes.get(linkId) ?? [];
      list.push(node);
      scope.nodes.set(linkId, list);
      all.push(node);
      walk(item.item, target, `${here}.`);
    });
  };
  walk(response.item, root, '');
  return { response, root, nodes: all };
}

/** The nodes for a linkId, searched in `scope` then its enclosing scopes. */
export function nodesOf(scope: Scope, linkId: string): readonly ResponseNode[] {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const found = s.nodes.get(linkId);
    if (found) return found;
  }
  return [];
}

/** Answers to a linkId visible from `scope`. */
export function answersOf(scope: Scope, linkId: string): readonly QuestionnaireResponseItemAnswer[] {
  return nodesOf(scope, linkId).flatMap((n) => n.answers);
}

/** Instances of a repeating group found in `scope` (the root by default). */
export function instancesOf(scope: Scope, groupLinkId: string): readonly Scope[] {
  return scope.instances.get(groupLinkId) ?? [];
}

export const boolOf = (scope: Scope, linkId: string): boolean | undefined => answersOf(scope, linkId)[0]?.valueBoolean;
export const intOf = (scope: Scope, linkId: string): number | undefined => {
  const a = answersOf(scope, linkId)[0];
  return a?.valueInteger ?? a?.valueDecimal;
};
export const stringOf = (scope: Scope, linkId: string): string | undefined => {
  const a = answersOf(scope, linkId)[0];
  const s = a?.valueString;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
};
export const dateOf = (scope: Scope, linkId: string): string | undefined => {
  const a = answersOf(scope, linkId)[0];
  return a?.valueDate ?? a?.valueDateTime;
};
export const codingOf = (scope: Scope, linkId: string): Coding | undefined => answersOf(scope, linkId)[0]?.valueCoding;
export const codingsOf = (scope: Scope, linkId: string): Coding[] => answersOf(scope, linkId).flatMap((a) => (a.valueCoding ? [a.valueCoding] : []));
export const hasCode = (scope: Scope, linkId: string, code: string): boolean => codingsOf(scope, linkId).some((c) => c.code === code);

/** True when the linkId has at least one answer visible from `scope`. */
export const isAnswered = (scope: Scope, linkId: string): boolean => answersOf(scope, linkId).length > 0;

/** Every linkId that carries at least one answer anywhere in the response. */
export function answeredLinkIds(view: ResponseView): Set<string> {
  return new Set(view.nodes.filter((n) => n.answers.length > 0).map((n) => n.linkId));
}
