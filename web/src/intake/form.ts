/**
 * The intake form's model, pure: a flat draft of answers per linkId (repeating groups hold a
 * list of instance drafts), turned into a QuestionnaireResponse with the server's own
 * builder and read by the server's own enableWhen evaluator. Skip logic therefore behaves
 * exactly as the server judges it; this file only adds what a form needs on top: where an
 * item sits in the draft, dropping the answers of items that skip logic hides, one empty row
 * for a repeating group that opens, per-answer checks and the list of what is missing.
 */
import type { QuestionnaireResponse, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import { dateStart } from '../../../src/intake/dates.ts';
import { buildResponse, type Draft, type DraftValue } from '../../../src/intake/build-response.ts';
import { createEnableWhenEvaluator, instancesOf, viewResponse, type EnableWhenEvaluator, type IndexedItem, type QuestionnaireIndex, type Scope } from './engine.ts';

export type { Draft, DraftValue };

/** What one question holds in the draft: a value, several (repeating choice), or nothing. */
export type FieldValue = DraftValue | readonly DraftValue[] | undefined;

/** One step into a repeating group: its linkId and the 0-based instance. */
export interface PathStep {
  readonly group: string;
  readonly index: number;
}
/** Where a draft node sits: [] is the root; each step enters one repeating-group instance. */
export type DraftPath = readonly PathStep[];

/** The draft evaluated once: the evaluator and the scope of the root. */
export interface Evaluated {
  readonly index: QuestionnaireIndex;
  readonly evaluator: EnableWhenEvaluator;
  readonly root: Scope;
}

const isDraftList = (v: unknown): v is readonly Draft[] => Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null);

/** True when the value counts as an answer (empty strings and empty lists do not). */
export function hasValue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** True when an instance draft carries no answer at all, however deep (the builder drops it). */
export function isEmptyDraft(draft: Draft): boolean {
  return Object.values(draft).every((v) => (isDraftList(v) && v.length > 0 ? v.every(isEmptyDraft) : !hasValue(v)));
}

/** The questionnaire's linkIds directly under `parent` (the roots for undefined), in order. */
export function childrenOf(index: QuestionnaireIndex, parent: string | undefined): readonly string[] {
  return parent === undefined ? index.roots : (index.items.get(parent)?.children ?? []);
}

/**
 * The QuestionnaireResponse of a draft (status in-progress unless said). Empty answers and
 * empty instances are left out, as the server's builder does.
 */
export function draftToResponse(draft: Draft, index: QuestionnaireIndex, meta: { status?: QuestionnaireResponse['status']; subject?: string; authored?: string } = {}): QuestionnaireResponse {
  return buildResponse(compact(draft), index, { status: meta.status ?? 'in-progress', ...(meta.subject ? { subject: meta.subject } : {}), ...(meta.authored ? { authored: meta.authored } : {}) });
}

/** Removes empty strings and empty lists, so no item is sent without an answer. */
export function compact(draft: Draft): Draft {
  const out: Record<string, Draft[string]> = {};
  for (const [k, v] of Object.entries(draft)) {
    if (isDraftList(v) && v.length > 0) out[k] = v.map(compact);
    else if (Array.isArray(v)) {
      const kept = (v as DraftValue[]).filter(hasValue);
      if (kept.length) out[k] = kept;
    } else if (hasValue(v)) out[k] = v;
  }
  return out;
}

/** Evaluates skip logic for a draft. */
export function evaluate(draft: Draft, index: QuestionnaireIndex): Evaluated {
  const view = viewResponse(draftToResponse(draft, index), index);
  return { index, evaluator: createEnableWhenEvaluator(index), root: view.root };
}

/**
 * The scopes of a repeating group's instances, one per draft instance. Instances with an
 * answer are in the response in the same order; an empty one is not, so it gets a scope of
 * its own with nothing answered, which is what the server would see if it were filled later.
 */
export function instanceScopes(parent: Scope, group: string, instances: readonly Draft[]): Scope[] {
  const inResponse = instancesOf(parent, group);
  let next = 0;
  return instances.map((inst, i) => {
    if (!isEmptyDraft(compact(inst))) {
      const found = inResponse[next++];
      if (found) return found;
    }
    return { parent, group, index: 1000 + i, nodes: new Map(), instances: new Map() };
  });
}

/** The draft node at `path` (undefined when the path no longer exists). */
export function nodeAt(draft: Draft, path: DraftPath): Draft | undefined {
  let node: Draft | undefined = draft;
  for (const step of path) {
    const list: Draft[string] = node?.[step.group];
    node = isDraftList(list) ? list[step.index] : undefined;
  }
  return node;
}

/** A copy of the draft with `fn` applied to the node at `path` (the path must exist). */
export function updateAt(draft: Draft, path: DraftPath, fn: (node: Draft) => Draft): Draft {
  if (path.length === 0) return fn(draft);
  const [step, ...rest] = path as [PathStep, ...PathStep[]];
  const list = draft[step.group];
  const items = isDraftList(list) ? [...list] : [];
  const current = items[step.index];
  if (!current) return draft;
  items[step.index] = updateAt(current, rest, fn);
  return { ...draft, [step.group]: items };
}

/** Sets (or clears, with undefined) one question's value in the node at `path`. */
export function setValue(draft: Draft, path: DraftPath, linkId: string, value: FieldValue): Draft {
  return updateAt(draft, path, (node) => {
    const next: Record<string, Draft[string]> = { ...node };
    if (hasValue(value)) next[linkId] = value;
    else delete next[linkId];
    return next;
  });
}

/** Adds an empty instance of a repeating group under the node at `path`. */
export function addInstance(draft: Draft, path: DraftPath, group: string): Draft {
  return updateAt(draft, path, (node) => {
    const list = node[group];
    return { ...node, [group]: [...(isDraftList(list) ? list : []), {}] };
  });
}

/** Removes one instance of a repeating group under the node at `path`. */
export function removeInstance(draft: Draft, path: DraftPath, group: string, at: number): Draft {
  return updateAt(draft, path, (node) => {
    const list = node[group];
    const items = isDraftList(list) ? list.filter((_, i) => i !== at) : [];
    const next: Record<string, Draft[string]> = { ...node };
    if (items.length) next[group] = items;
    else delete next[group];
    return next;
  });
}

/** One visit of an item in the form: where it sits, the scope its skip logic is judged in, whether it shows. */
export interface Visit {
  readonly item: IndexedItem;
  readonly path: DraftPath;
  readonly scope: Scope;
  readonly enabled: boolean;
  /** The draft node holding the item's value (or its instances, for a repeating group). */
  readonly node: Draft;
}

/**
 * Calls `fn` for every item under `parent` (depth first, questionnaire order), entering each
 * instance of a repeating group. Items under a disabled item are not visited.
 */
export function walk(draft: Draft, ev: Evaluated, fn: (visit: Visit) => void, parent?: string, path: DraftPath = [], scope: Scope = ev.root): void {
  const node = nodeAt(draft, path);
  if (!node) return;
  for (const linkId of childrenOf(ev.index, parent)) {
    const item = ev.index.items.get(linkId);
    if (!item) continue;
    const enabled = ev.evaluator.isEnabled(linkId, scope);
    fn({ item, path, scope, enabled, node });
    if (!enabled || item.type !== 'group') continue;
    if (item.repeats) {
      const list = node[linkId];
      const instances = isDraftList(list) ? list : [];
      const scopes = instanceScopes(scope, linkId, instances);
      instances.forEach((_, i) => walk(draft, ev, fn, linkId, [...path, { group: linkId, index: i }], scopes[i] ?? scope));
    } else {
      walk(draft, ev, fn, linkId, path, scope);
    }
  }
}

/**
 * Drops the answers of every item skip logic hides (and hidden repeating groups whole), then
 * gives each repeating group that is shown but empty one blank row to fill. Repeated until
 * nothing changes: dropping one answer can hide another item.
 */
export function normalize(draft: Draft, index: QuestionnaireIndex): Draft {
  let current = draft;
  for (let round = 0; round < 10; round++) {
    const ev = evaluate(current, index);
    const edits: { path: DraftPath; linkId: string; kind: 'drop' | 'seed' }[] = [];
    walk(current, ev, ({ item, path, enabled, node }) => {
      const held = node[item.linkId];
      if (!enabled) {
        // A hidden plain group keeps its questions' answers in this same node: drop them all.
        const keys = item.type === 'group' && !item.repeats ? ownKeys(index, item.linkId) : [item.linkId];
        for (const k of keys) if (node[k] !== undefined) edits.push({ path, linkId: k, kind: 'drop' });
      } else if (item.type === 'group' && item.repeats && !(isDraftList(held) && held.length > 0)) edits.push({ path, linkId: item.linkId, kind: 'seed' });
      else if (enabled && item.type === 'group' && item.repeats && !(isDraftList(held) && held.length > 0)) edits.push({ path, linkId: item.linkId, kind: 'seed' });
    });
    if (edits.length === 0) return current;
    // Deepest first, so a path stays valid while the edits above it are applied.
    for (const e of edits.reverse()) {
      current =
        e.kind === 'drop'
          ? updateAt(current, e.path, (n) => {
              const next: Record<string, Draft[string]> = { ...n };
              delete next[e.linkId];
              return next;
            })
          : addInstance(current, e.path, e.linkId);
    }
  }
  return current;
}

/** The draft keys a plain group's questions use: its descendants, stopping at repeating groups. */
function ownKeys(index: QuestionnaireIndex, group: string): string[] {
  const out: string[] = [];
  for (const child of childrenOf(index, group)) {
    const def = index.items.get(child);
    if (def?.type === 'group' && !def.repeats) out.push(...ownKeys(index, child));
    else out.push(child);
  }
  return out;
}

/** Reads a stored response back into a draft (to resume). Unknown linkIds are ignored. */
export function responseToDraft(response: QuestionnaireResponse | null | undefined, index: QuestionnaireIndex): Draft {
  const out: Record<string, Draft[string]> = {};
  const read = (items: readonly QuestionnaireResponseItem[] | undefined, target: Record<string, Draft[string]>): void => {
    for (const item of items ?? []) {
      const def = index.items.get(item.linkId);
      if (!def) continue;
      if (def.type === 'group') {
        if (def.repeats) {
          const inst: Record<string, Draft[string]> = {};
          read(item.item, inst);
          const list = target[def.linkId];
          target[def.linkId] = [...(isDraftList(list) ? list : []), inst];
        } else {
          read(item.item, target);
        }
        continue;
      }
      const values = (item.answer ?? []).map(answerValue).filter((v): v is DraftValue => v !== undefined);
      if (values.length === 0) continue;
      target[def.linkId] = def.repeats ? values : values[0];
    }
  };
  read(response?.item, out);
  return out;
}

function answerValue(a: QuestionnaireResponseItemAnswer): DraftValue | undefined {
  if (typeof a.valueBoolean === 'boolean') return a.valueBoolean;
  if (typeof a.valueInteger === 'number') return a.valueInteger;
  if (typeof a.valueDecimal === 'number') return a.valueDecimal;
  if (typeof a.valueDate === 'string') return a.valueDate;
  if (typeof a.valueDateTime === 'string') return a.valueDateTime.slice(0, 10);
  if (a.valueCoding?.code) return a.valueCoding.code;
  if (typeof a.valueString === 'string') return a.valueString;
  return undefined;
}

/** A problem with one answer, as a code and the numbers its message needs. */
export type AnswerProblem =
  | { code: 'notWhole' }
  | { code: 'notNumber' }
  | { code: 'belowMin'; min: number }
  | { code: 'aboveMax'; max: number }
  | { code: 'badDate' }
  | { code: 'futureDate' }
  | { code: 'tooLong'; max: number };

/** Parses what was typed into a number field: the number, or the problem with it. */
export function parseNumber(text: string, type: 'integer' | 'decimal'): { value: number } | { problem: AnswerProblem } | undefined {
  const t = text.trim().replace(',', '.');
  if (t === '') return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(t)) return { problem: { code: type === 'integer' ? 'notWhole' : 'notNumber' } };
  const n = Number(t);
  if (type === 'integer' && !Number.isInteger(n)) return { problem: { code: 'notWhole' } };
  return { value: n };
}

/**
 * Checks one given answer against its item: the item's limits (minValue/maxValue), a real
 * calendar date (FHIR precision: YYYY, YYYY-MM or YYYY-MM-DD) that is not after `today`
 * (YYYY-MM-DD), and the maximum length.
 */
export function checkAnswer(item: IndexedItem, value: DraftValue, today: string): AnswerProblem | undefined {
  if ((item.type === 'integer' || item.type === 'decimal') && typeof value === 'number') {
    if (item.type === 'integer' && !Number.isInteger(value)) return { code: 'notWhole' };
    if (item.min !== undefined && value < item.min) return { code: 'belowMin', min: item.min };
    if (item.max !== undefined && value > item.max) return { code: 'aboveMax', max: item.max };
  }
  if (item.type === 'date' && typeof value === 'string') {
    if (dateStart(value) === undefined) return { code: 'badDate' };
    // Compare at the answer's own precision: "2026" is not in the future during 2026.
    if (value > today.slice(0, value.length)) return { code: 'futureDate' };
  }
  if ((item.type === 'string' || item.type === 'text' || item.type === 'open-choice') && typeof value === 'string' && item.maxLength !== undefined && value.length > item.maxLength) {
    return { code: 'tooLong', max: item.maxLength };
  }
  return undefined;
}

/** Something the review step lists: a required answer not given, or an answer with a problem. */
export interface Finding {
  readonly linkId: string;
  /** The top-level section it belongs to. */
  readonly section: string;
  readonly path: DraftPath;
  readonly kind: 'missing' | 'problem';
  readonly problem?: AnswerProblem;
}

/** Every shown required question without an answer, and every answer with a problem, in form order. */
export function findings(draft: Draft, index: QuestionnaireIndex, today: string, ev: Evaluated = evaluate(draft, index)): Finding[] {
  const out: Finding[] = [];
  walk(draft, ev, ({ item, path, enabled, node }) => {
    if (!enabled || item.type === 'group' || item.type === 'display') return;
    const section = item.ancestors[0] ?? item.linkId;
    const v = node[item.linkId];
    if (!hasValue(v)) {
      if (item.required) out.push({ linkId: item.linkId, section, path, kind: 'missing' });
      return;
    }
    for (const one of (Array.isArray(v) ? v : [v]) as DraftValue[]) {
      const problem = checkAnswer(item, one, today);
      if (problem) {
        out.push({ linkId: item.linkId, section, path, kind: 'problem', problem });
        break;
      }
    }
  });
  return out;
}

/** The top-level sections skip logic shows, in order. */
export function shownSections(ev: Evaluated): string[] {
  return ev.index.roots.filter((id) => ev.evaluator.isEnabled(id, ev.root));
}

/** A stable key for a field in the form, e.g. `med.list[1]/med.list.name`. */
export function fieldKey(path: DraftPath, linkId: string): string {
  return [...path.map((s) => `${s.group}[${s.index}]`), linkId].join('/');
}

/** The local calendar date of `now` as YYYY-MM-DD (the patient's "today" for future dates). */
export function localDate(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}
