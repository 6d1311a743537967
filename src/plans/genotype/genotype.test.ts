import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { shippedKnowledgeBase } from '../kb/shipped.ts';
import { genotypePanel, summariseTendencies, type GeneticsPanel, type PanelVariantResult } from './panel.ts';
import { parseGenotype } from './parse.ts';

const kb = shippedKnowledgeBase();
const FIX = path.resolve(import.meta.dirname, '../../../test/fixtures/plans');
const read = (name: string) => fs.readFileSync(path.join(FIX, name), 'utf8');
const panelOf = (name: string) => genotypePanel(read(name), kb);
const v = (p: GeneticsPanel, rsid: string): PanelVariantResult => {
  const x = p.variants.find((y) => y.rsid === rsid);
  if (!x) throw new Error(`no ${rsid}`);
  return x;
};

function refusal(text: string): AppError {
  try {
    genotypePanel(text, kb);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('23andMe files', () => {
  const p = panelOf('genotype-23andme.txt');

  it('reads the layout and the build from the header', () => {
    expect(p.source).toEqual({ format: '23andme', build: 'GRCh37', buildSource: 'header' });
  });

  it('reads genotypes and counts effect alleles on the plus strand', () => {
    expect(v(p, 'rs1805007')).toMatchObject({ genotype: 'CT', status: 'called', effectAlleleCount: 1, matchedBy: 'rsid' });
    expect(v(p, 'rs1805008')).toMatchObject({ genotype: 'CC', effectAlleleCount: 0 });
    expect(v(p, 'rs61816761')).toMatchObject({ genotype: 'GA', effectAlleleCount: 1 });
  });

  it('maps a 23andMe internal id (i...) by its build-37 position', () => {
    expect(v(p, 'rs1805006')).toMatchObject({ genotype: 'CA', matchedBy: 'position', effectAlleleCount: 1 });
  });

  it('reports no-calls and malformed lines with their line numbers, without failing', () => {
    expect(v(p, 'rs1805009')).toMatchObject({ status: 'no-call', genotype: null, effectAlleleCount: null });
    expect(p.fileSummary.noCalls).toBe(2);
    expect(p.fileSummary.malformed).toBe(2);
    expect(p.fileSummary.issues.map((i) => i.line)).toEqual([18, 19]);
  });

  it('marks a variant the file does not have as not on file (unknown, not negative)', () => {
    expect(v(p, 'rs558269137')).toMatchObject({ status: 'not-on-file', effectAlleleCount: null });
  });

  it('summarises tendencies with the variants behind them', () => {
    expect(p.tendencies['sun-sensitivity'].level).toBe('high');
    expect(p.tendencies['sun-sensitivity'].because).toEqual(expect.arrayContaining(['rs1805006', 'rs1805007']));
    expect(p.tendencies['barrier-weakness']).toEqual({ level: 'elevated', because: ['rs61816761'] });
  });

  it('returns only the panel, never the rest of the file', () => {
    const json = JSON.stringify(p);
    expect(json).not.toContain('rs4000001');
    expect(json).not.toContain('this line is broken');
    expect(p.variants).toHaveLength(kb.panel.variants.length);
  });

  it('gives every variant its evidence level, caveat and citation', () => {
    for (const x of p.variants) {
      expect(x.evidence.level).toMatch(/^[1-5]$/);
      expect(x.caveat.en.length).toBeGreaterThan(20);
      expect(x.caveat.es.length).toBeGreaterThan(20);
      expect(x.citations.length).toBeGreaterThan(0);
    }
  });
});

describe('AncestryDNA files', () => {
  const p = panelOf('genotype-ancestry.txt');
  it('reads two allele columns, 0 as a no-call, and indel calls', () => {
    expect(p.source.format).toBe('ancestrydna');
    expect(v(p, 'rs1805007')).toMatchObject({ genotype: 'TT', effectAlleleCount: 2 });
    expect(v(p, 'rs1805008').status).toBe('no-call');
    expect(v(p, 'rs558269137')).toMatchObject({ genotype: 'DI', effectAlleleCount: 1 });
    expect(p.tendencies['sun-sensitivity'].level).toBe('high');
  });
  it('reports the short line by number', () => {
    expect(p.fileSummary.issues).toEqual([{ line: 15, reason: 'expected 5 columns, found 4' }]);
  });
});

describe('VCF files', () => {
  it('GRCh37: maps by rsID when present, else by GRCh37 position; ./. is a no-call', () => {
    const p = panelOf('genotype-grch37.vcf');
    expect(p.source).toMatchObject({ format: 'vcf', build: 'GRCh37' });
    expect(v(p, 'rs1805007')).toMatchObject({ genotype: 'TT', matchedBy: 'position', effectAlleleCount: 2 });
    expect(v(p, 'rs1805008')).toMatchObject({ genotype: 'CT', matchedBy: 'rsid' });
    expect(v(p, 'rs12913832').status).toBe('no-call');
    expect(p.fileSummary.issues).toEqual([{ line: 15, reason: 'chromosome or position is not valid' }]);
  });

  it('GRCh38: maps by GRCh38 positions (chr-prefixed), not GRCh37 ones', () => {
    const p = panelOf('genotype-grch38.vcf');
    expect(p.source).toMatchObject({ format: 'vcf', build: 'GRCh38' });
    // chr16:89919709 is R151C in GRCh38 (0/1); the line at its GRCh37 position (1/1) is ignored.
    expect(v(p, 'rs1805007')).toMatchObject({ genotype: 'CT', matchedBy: 'position', effectAlleleCount: 1 });
    expect(v(p, 'rs61816761')).toMatchObject({ genotype: 'AA', effectAlleleCount: 2 });
    expect(p.tendencies['barrier-weakness'].level).toBe('high');
    expect(v(p, 'rs1805009').status).toBe('no-call');
    expect(p.fileSummary.issues).toEqual([{ line: 15, reason: 'GT names an allele the line does not have' }]);
  });

  it('without a stated build, matches by rsID only and says so', () => {
    const text = read('genotype-grch37.vcf').replace('##reference=GRCh37\n', '').replace(/##contig=.*\n/, '');
    const p = genotypePanel(text, kb);
    expect(p.source.build).toBeNull();
    expect(p.source.buildSource).toMatch(/rsID only/);
    expect(v(p, 'rs1805007').status).toBe('not-on-file');
    expect(v(p, 'rs1805008').status).toBe('called');
  });

  it('refuses a VCF with no sample column', () => {
    const text = '##fileformat=VCFv4.2\n##reference=GRCh37\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t100\trs1\tA\tG\t.\tPASS\t.\n';
    expect(refusal(text).message).toMatch(/no sample column/);
  });
});

describe('strand', () => {
  it('flips a minus-strand report of a non-palindromic SNP and says so', () => {
    const text = '# 23andMe\n# build 37\n# rsid\tchromosome\tposition\tgenotype\nrs1805007\t16\t89986117\tGA\n';
    // GA on the minus strand is CT on the plus strand.
    expect(v(genotypePanel(text, kb), 'rs1805007')).toMatchObject({ genotype: 'CT', strandFlipped: true, effectAlleleCount: 1 });
  });
  it('marks alleles that fit neither strand as a mismatch, not a call', () => {
    const text = '# 23andMe\n# build 37\n# rsid\tchromosome\tposition\tgenotype\nrs1805009\t16\t89986546\tAT\n';
    expect(v(genotypePanel(text, kb), 'rs1805009')).toMatchObject({ status: 'allele-mismatch', effectAlleleCount: null });
  });
});

describe('files that are not genotype files', () => {
  it.each([
    ['a CSV of something else', read('not-genotype.csv')],
    ['prose', 'Dear doctor,\nplease find my results attached.\n'],
    ['an empty file', ''],
    ['a binary file', '\u0000\u0001PNG\u0000'],
  ])('refuses %s with a clear error naming the genotype field', (_n, text) => {
    const e = refusal(text);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe('genotype');
    expect(e.message).toMatch(/genotype/);
  });

  it('refuses a genotype-shaped file whose every line is malformed', () => {
    const e = refusal('# 23andMe\n# rsid\tchromosome\tposition\tgenotype\nrsX\t1\tone\tAG\nrsY\t99\t2\tZZ\n');
    expect(e.message).toMatch(/no readable genotype line \(2 malformed of 2\)/);
  });
});

describe('tendency summary rule', () => {
  const base = kb.panel.variants.map((x) => ({ ...x, genotype: null, status: 'called' as const, effectAlleleCount: 0, matchedBy: 'rsid' as const, strandFlipped: false }));
  const withCounts = (counts: Record<string, number>) => summariseTendencies(base.map((x) => ({ ...x, effectAlleleCount: counts[x.rsid] ?? 0 })));
  it('is typical with no effect alleles', () => {
    expect(withCounts({})['sun-sensitivity']).toEqual({ level: 'typical', because: [] });
  });
  it('is elevated with one major allele, high with two', () => {
    expect(withCounts({ rs1805007: 1 })['melanoma-susceptibility'].level).toBe('elevated');
    expect(withCounts({ rs1805007: 1, rs1805008: 1 })['melanoma-susceptibility'].level).toBe('high');
  });
  it('needs six small-effect alleles to call elevated', () => {
    expect(withCounts({ rs16891982: 2, rs12913832: 2, rs12203592: 1 })['sun-sensitivity'].level).toBe('typical');
    expect(withCounts({ rs16891982: 2, rs12913832: 2, rs12203592: 2 })['sun-sensitivity'].level).toBe('elevated');
  });
});

describe('the parser alone', () => {
  it('counts data lines and keeps calls only for panel variants', () => {
    const parsed = parseGenotype(read('genotype-23andme.txt'), kb.panel.variants);
    expect(parsed.dataLines).toBe(16);
    expect([...parsed.calls.keys()].every((id) => kb.panel.variants.some((x) => x.id === id))).toBe(true);
  });
});
