/**
 * The evidence-graded skin panel: per variant the genotype, the tendency it suggests, its
 * evidence level and an honest caveat; then one level per tendency for the plan engine.
 *
 * Strand: all three layouts report alleles on the plus strand of the reference, and the
 * panel's alleles are plus-strand too, so they compare directly. If a file's alleles are
 * not the panel's but their complements are (a minus-strand report), they are flipped and
 * the result says so; for A/T and C/G variants the complement is the same pair, so no flip
 * can be detected and none is attempted (none of the panel's SNVs is palindromic).
 *
 * Tendency levels are a WellAge summary rule, not a validated polygenic score: "high" with
 * two or more alleles of a major-effect variant (e.g. two MC1R R alleles, or two FLG
 * loss-of-function alleles), "elevated" with one, or with six or more alleles of the
 * small-effect common variants together; otherwise "typical".
 */
import type { EvidenceLevel, KnowledgeBase, LocalText, PanelVariant, Tendency } from '../kb/schema.ts';
import { TENDENCIES } from '../kb/schema.ts';
import { parseGenotype, type GenomeBuild, type GenotypeFormat, type LineIssue, type ParsedGenotype } from './parse.ts';

export type VariantStatus = 'called' | 'no-call' | 'not-on-file' | 'allele-mismatch';

export interface PanelVariantResult {
  readonly id: string;
  readonly gene: string;
  readonly variant: string;
  readonly rsid: string;
  /** e.g. `CT`, `DI`; null when not called. */
  readonly genotype: string | null;
  readonly status: VariantStatus;
  readonly effectAllele: string;
  readonly effectAlleleCount: number | null;
  readonly tendencies: readonly Tendency[];
  readonly weight: 'major' | 'minor';
  readonly effect: LocalText;
  readonly evidence: { readonly level: EvidenceLevel; readonly summary: LocalText };
  readonly caveat: LocalText;
  readonly citations: PanelVariant['citations'];
  readonly matchedBy: 'rsid' | 'position' | null;
  readonly strandFlipped: boolean;
}

export interface TendencyResult {
  readonly level: 'typical' | 'elevated' | 'high';
  /** rsIDs that carry at least one effect allele. */
  readonly because: string[];
}

/** What a genotype file becomes. The raw file is not part of it. */
export interface GeneticsPanel {
  readonly panelVersion: string;
  readonly tendencies: Record<Tendency, TendencyResult>;
  readonly variants: readonly PanelVariantResult[];
  readonly source: { readonly format: GenotypeFormat; readonly build: GenomeBuild | null; readonly buildSource: string };
  readonly fileSummary: { readonly dataLines: number; readonly noCalls: number; readonly malformed: number; readonly issues: readonly LineIssue[] };
  readonly caveat: LocalText;
}

const COMPLEMENT: Record<string, string> = { A: 'T', T: 'A', C: 'G', G: 'C', D: 'D', I: 'I' };

export const PANEL_CAVEAT: LocalText = {
  en: 'A consumer genotype panel shows tendencies, not diagnoses: most effects are small, were measured mainly in people of European ancestry, and what the skin shows (type, freckles, moles, history) matters more. A variant not on the file is unknown, not absent.',
  es: 'Un panel genético de consumo muestra tendencias, no diagnósticos: la mayoría de los efectos son pequeños, se midieron sobre todo en personas de ascendencia europea, y lo que muestra la piel (fototipo, pecas, lunares, antecedentes) importa más. Una variante ausente del archivo es desconocida, no negativa.',
};

function variantResult(v: PanelVariant, parsed: ParsedGenotype): PanelVariantResult {
  const base = { id: v.id, gene: v.gene, variant: v.variant, rsid: v.rsid, effectAllele: v.effectAllele, tendencies: v.tendencies, weight: v.weight, effect: v.effect, evidence: v.evidence, caveat: v.caveat, citations: v.citations };
  const call = parsed.calls.get(v.id);
  if (!call) return { ...base, genotype: null, status: 'not-on-file', effectAlleleCount: null, matchedBy: null, strandFlipped: false };
  if (call.alleles === null) return { ...base, genotype: null, status: 'no-call', effectAlleleCount: null, matchedBy: call.matchedBy, strandFlipped: false };
  const indel = v.effectAllele === 'D' || v.effectAllele === 'I';
  const expected = indel ? new Set(['D', 'I']) : new Set([v.ref, v.alt]);
  let alleles = [...call.alleles];
  let flipped = false;
  if (!alleles.every((a) => expected.has(a))) {
    const comp = alleles.map((a) => COMPLEMENT[a] ?? a);
    const palindromic = expected.has(COMPLEMENT[v.ref] ?? '') && expected.has(COMPLEMENT[v.alt] ?? '');
    if (!palindromic && comp.every((a) => expected.has(a))) {
      alleles = comp;
      flipped = true;
    } else {
      return { ...base, genotype: call.alleles.join(''), status: 'allele-mismatch', effectAlleleCount: null, matchedBy: call.matchedBy, strandFlipped: false };
    }
  }
  const count = alleles.filter((a) => a === v.effectAllele).length;
  return { ...base, genotype: alleles.join(''), status: 'called', effectAlleleCount: count, matchedBy: call.matchedBy, strandFlipped: flipped };
}

/** Summarises the per-variant results into one level per tendency (rule in the module comment). */
export function summariseTendencies(variants: readonly PanelVariantResult[]): Record<Tendency, TendencyResult> {
  const out = {} as Record<Tendency, TendencyResult>;
  for (const t of TENDENCIES) {
    let major = 0;
    let minor = 0;
    const because: string[] = [];
    for (const v of variants) {
      if (!v.tendencies.includes(t) || !v.effectAlleleCount) continue;
      if (v.weight === 'major') major += v.effectAlleleCount;
      else minor += v.effectAlleleCount;
      because.push(v.rsid);
    }
    const level = major >= 2 ? 'high' : major === 1 || minor >= 6 ? 'elevated' : 'typical';
    out[t] = { level, because: because.sort() };
  }
  return out;
}

/** Parses a genotype file's text and computes the panel. Throws (field `genotype`) for a file that is not one. */
export function genotypePanel(text: string, kb: KnowledgeBase): GeneticsPanel {
  const parsed = parseGenotype(text, kb.panel.variants);
  const variants = kb.panel.variants.map((v) => variantResult(v, parsed));
  return {
    panelVersion: kb.panel.version,
    tendencies: summariseTendencies(variants),
    variants,
    source: { format: parsed.format, build: parsed.build, buildSource: parsed.buildSource },
    fileSummary: { dataLines: parsed.dataLines, noCalls: parsed.noCalls, malformed: parsed.malformed, issues: parsed.issues },
    caveat: PANEL_CAVEAT,
  };
}
