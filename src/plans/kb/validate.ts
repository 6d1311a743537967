/**
 * Validates the knowledge base's files (already parsed) and indexes them. Pure: the caller
 * reads the files (kb/shipped.ts imports the shipped ones). A broken entry stops the load
 * with a `KnowledgeBaseError` naming the file, the entry id and the field, so an author
 * can fix it without reading a stack trace.
 */
import type { z } from 'zod';
import {
  careFileSchema,
  concernsFileSchema,
  contraindicationsFileSchema,
  interventionsFileSchema,
  manifestSchema,
  panelFileSchema,
  regimenFileSchema,
  vocabularySchema,
  type Concern,
  type Contraindication,
  type Intervention,
  type KnowledgeBase,
  type LocalText,
  type Rule,
} from './schema.ts';

/** One parsed file and the name it had (relative to content/plans/). */
export interface SourceFile {
  readonly file: string;
  readonly data: unknown;
}

export interface KnowledgeBaseSource {
  readonly manifest: SourceFile;
  readonly vocabulary: SourceFile;
  readonly concerns: SourceFile;
  readonly contraindications: SourceFile;
  readonly care: SourceFile;
  readonly regimen: SourceFile;
  readonly panel: SourceFile;
  readonly interventions: readonly SourceFile[];
}

/** A knowledge-base file breaks the schema or points at something that does not exist. */
export class KnowledgeBaseError extends Error {
  constructor(
    readonly file: string,
    /** The entry's id, or null when the problem is at file level. */
    readonly entryId: string | null,
    /** Path inside the entry (e.g. `citations[0].doi`), or inside the file when entryId is null. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}${entryId ? ` entry '${entryId}'` : ''} field '${field || '(root)'}': ${reason}`);
    this.name = 'KnowledgeBaseError';
  }
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Parses `data` with `schema`; on failure names the entry (the object in the top-level list) and the field. */
function parse<S extends z.ZodType>(schema: S, src: SourceFile): z.infer<S> {
  const result = schema.safeParse(src.data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  // Files hold one top-level list ({ interventions: [...] }); the entry is path[0..1].
  if (path.length >= 2 && typeof path[1] === 'number') {
    const list = (src.data as Record<string, unknown>)[String(path[0])];
    const entry = Array.isArray(list) ? (list[path[1]] as { id?: unknown } | undefined) : undefined;
    const id = entry && typeof entry.id === 'string' ? entry.id : `#${path[1]}`;
    throw new KnowledgeBaseError(src.file, id, pathText(path.slice(2)), issue?.message ?? 'invalid');
  }
  throw new KnowledgeBaseError(src.file, null, pathText(path), issue?.message ?? 'invalid');
}

function uniqueIds<T extends { id: string }>(file: string, entries: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const e of entries) {
    if (map.has(e.id)) throw new KnowledgeBaseError(file, e.id, 'id', 'the id is used twice');
    map.set(e.id, e);
  }
  return map;
}

/** Every word a rule uses must exist in the vocabulary. */
function checkRule(rule: Rule, at: string, known: { conditions: Set<string>; meds: Set<string>; ingredients: Set<string>; onc: Set<string> }, fail: (field: string, why: string) => never): void {
  if ('all' in rule) return rule.all.forEach((r, i) => checkRule(r, `${at}.all[${i}]`, known, fail));
  if ('any' in rule) return rule.any.forEach((r, i) => checkRule(r, `${at}.any[${i}]`, known, fail));
  if ('not' in rule) return checkRule(rule.not, `${at}.not`, known, fail);
  const check = (list: readonly string[], set: Set<string>, key: string, what: string): void => {
    list.forEach((v, i) => {
      if (!set.has(v)) fail(`${at}.${key}[${i}]`, `'${v}' is not a ${what} in vocabulary.json`);
    });
  };
  switch (rule.fact) {
    case 'medication':
      return check(rule.classes, known.meds, 'classes', 'medication class');
    case 'condition':
      return check(rule.codes, known.conditions, 'codes', 'condition');
    case 'allergy':
      return check(rule.ingredients, known.ingredients, 'ingredients', 'ingredient');
    case 'oncology-treatment':
      return check(rule.treatments, known.onc, 'treatments', 'oncology treatment');
    default:
      return;
  }
}

/** Validates every file and the references between them; returns the indexed knowledge base. */
export function validateKnowledgeBase(src: KnowledgeBaseSource): KnowledgeBase {
  const manifest = parse(manifestSchema, src.manifest);
  const vocabulary = parse(vocabularySchema, src.vocabulary);
  const concernsFile = parse(concernsFileSchema, src.concerns);
  const ciFile = parse(contraindicationsFileSchema, src.contraindications);
  const careFile = parse(careFileSchema, src.care);
  const regimen = parse(regimenFileSchema, src.regimen);
  const panel = parse(panelFileSchema, src.panel);

  const sites = uniqueIds(src.vocabulary.file, vocabulary.bodySites);
  const siteAncestors = new Map<string, string[]>();
  for (const site of vocabulary.bodySites) {
    const chain: string[] = [];
    let cur: string | null = site.id;
    while (cur !== null) {
      if (chain.includes(cur)) throw new KnowledgeBaseError(src.vocabulary.file, site.id, 'parent', 'the body-site hierarchy has a cycle');
      chain.push(cur);
      const node = sites.get(cur);
      if (!node) throw new KnowledgeBaseError(src.vocabulary.file, site.id, 'parent', `'${cur}' is not a body site`);
      cur = node.parent;
    }
    siteAncestors.set(site.id, chain);
  }
  const known = {
    conditions: new Set(uniqueIds(src.vocabulary.file, vocabulary.conditions).keys()),
    meds: new Set(uniqueIds(src.vocabulary.file, vocabulary.medicationClasses).keys()),
    ingredients: new Set(uniqueIds(src.vocabulary.file, vocabulary.ingredients).keys()),
    onc: new Set(uniqueIds(src.vocabulary.file, vocabulary.oncologyTreatments).keys()),
  };
  const actives = new Set(uniqueIds(src.vocabulary.file, vocabulary.actives).keys());
  const site = (file: string, id: string, field: string, value: string): void => {
    if (!sites.has(value)) throw new KnowledgeBaseError(file, id, field, `'${value}' is not a body site in vocabulary.json`);
  };

  const concernById = uniqueIds(src.concerns.file, concernsFile.concerns);
  for (const c of concernsFile.concerns) {
    c.areas.forEach((a, i) => site(src.concerns.file, c.id, `areas[${i}]`, a));
    site(src.concerns.file, c.id, 'defaultArea', c.defaultArea);
  }

  const contraindications = uniqueIds(src.contraindications.file, ciFile.contraindications);
  for (const ci of ciFile.contraindications) {
    checkRule(ci.rule, 'rule', known, (field, why) => {
      throw new KnowledgeBaseError(src.contraindications.file, ci.id, field, why);
    });
  }
  const care = new Map<string, LocalText>([...uniqueIds(src.care.file, careFile.care)].map(([k, v]) => [k, v.text]));

  const interventions: Intervention[] = [];
  const interventionFile = new Map<string, string>();
  for (const f of src.interventions) {
    const parsed = parse(interventionsFileSchema, f);
    for (const iv of parsed.interventions) {
      const fail = (field: string, why: string): never => {
        throw new KnowledgeBaseError(f.file, iv.id, field, why);
      };
      if (interventionFile.has(iv.id)) fail('id', `the id is also used in ${interventionFile.get(iv.id)}`);
      iv.concerns.forEach((c, i) => {
        if (!concernById.has(c.id)) fail(`concerns[${i}].id`, `'${c.id}' is not a concern in concerns.json`);
      });
      iv.areas.forEach((a, i) => site(f.file, iv.id, `areas[${i}]`, a));
      iv.contraindications.forEach((c, i) => {
        if (!contraindications.has(c)) fail(`contraindications[${i}]`, `'${c}' is not in contraindications.json`);
      });
      iv.preCare.forEach((c, i) => {
        if (!care.has(c)) fail(`preCare[${i}]`, `'${c}' is not in care.json`);
      });
      iv.postCare.forEach((c, i) => {
        if (!care.has(c)) fail(`postCare[${i}]`, `'${c}' is not in care.json`);
      });
      iv.dose?.forEach((d, i) => site(f.file, iv.id, `dose[${i}].area`, d.area));
      iv.regimen?.actives.forEach((a, i) => {
        if (!actives.has(a)) fail(`regimen.actives[${i}]`, `'${a}' is not an active in vocabulary.json`);
      });
      if (iv.category === 'topical' && !iv.regimen) fail('regimen', 'a topical needs its regimen slot');
      if (iv.category === 'lifestyle' && !iv.addresses) fail('addresses', 'a lifestyle measure names what it addresses');
      interventions.push(iv);
      interventionFile.set(iv.id, f.file);
    }
  }
  const interventionById = new Map(interventions.map((iv) => [iv.id, iv]));

  for (const slot of ['am', 'pm'] as const) {
    regimen.baseline[slot].forEach((id, i) => {
      if (interventionById.get(id)?.category !== 'topical') throw new KnowledgeBaseError(src.regimen.file, null, `baseline.${slot}[${i}]`, `'${id}' is not a topical intervention`);
    });
  }
  for (const it of regimen.interactions) {
    it.actives.forEach((a, i) => {
      if (!actives.has(a)) throw new KnowledgeBaseError(src.regimen.file, it.id, `actives[${i}]`, `'${a}' is not an active in vocabulary.json`);
    });
  }
  uniqueIds(src.panel.file, panel.variants);

  const concerns: Concern[] = concernsFile.concerns;
  return {
    version: manifest.version,
    manifest,
    vocabulary,
    concerns,
    concernById,
    contraindications: contraindications as Map<string, Contraindication>,
    care,
    interventions,
    interventionById,
    interventionFile,
    regimen,
    panel,
    siteAncestors,
  };
}
