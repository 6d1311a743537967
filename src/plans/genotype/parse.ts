/**
 * Consumer genotype files in, the calls for the panel's variants out. Pure: the caller
 * reads the file and passes its text; nothing of the file is kept beyond the calls at panel
 * variants and line-numbered problem reports (which never quote the line).
 *
 * Layouts understood:
 * - 23andMe: `#` comment header, then `rsid  chromosome  position  genotype` (tab-separated);
 *   genotype `AG`, `A` (hemizygous X/Y/MT), `DI`/`DD`/`II` (indels), `--` no-call. 23andMe
 *   states its genotypes on the plus (forward) strand of the build named in the header
 *   (build 37 for current chips).
 * - AncestryDNA: `#` comment header, a column line `rsid chromosome position allele1 allele2`,
 *   then one allele per column; `0` is a no-call. Also plus strand, build 37.
 * - VCF 4.x (GRCh37 or GRCh38): the build from `##reference` or `##contig` (assembly=),
 *   GT from the first sample; `./.` or `.` is a no-call.
 * Variants are matched by rsID when the file gives one, else by chromosome and position in
 * the file's build. A line that cannot be read is reported with its number and skipped.
 */
import { invalidField } from '../../platform/errors.ts';
import type { PanelVariant } from '../kb/schema.ts';

export type GenotypeFormat = '23andme' | 'ancestrydna' | 'vcf';
export type GenomeBuild = 'GRCh37' | 'GRCh38';

export interface LineIssue {
  readonly line: number;
  readonly reason: string;
}

/** A genotype at one panel variant, as found in the file. */
export interface PanelCall {
  readonly variantId: string;
  /** Two alleles (one for hemizygous calls), or null for a no-call. */
  readonly alleles: readonly string[] | null;
  readonly matchedBy: 'rsid' | 'position';
  readonly line: number;
}

export interface ParsedGenotype {
  readonly format: GenotypeFormat;
  /** null when the file does not say and nothing could be inferred (rsID matching only). */
  readonly build: GenomeBuild | null;
  /** Where the build came from: the header, or an assumption stated here. */
  readonly buildSource: string;
  readonly dataLines: number;
  readonly noCalls: number;
  readonly malformed: number;
  /** The first problem lines (at most MAX_ISSUES). */
  readonly issues: readonly LineIssue[];
  readonly calls: ReadonlyMap<string, PanelCall>;
}

export const MAX_ISSUES = 50;

const CHROMS = new Set([...Array.from({ length: 22 }, (_, i) => String(i + 1)), 'X', 'Y', 'MT']);

function normChrom(raw: string): string | null {
  let c = raw.trim();
  if (/^chr/i.test(c)) c = c.slice(3);
  c = c.toUpperCase();
  if (c === 'M') c = 'MT';
  // 23andMe and AncestryDNA number X as 23, Y as 24, XY (pseudo-autosomal) as 25, MT as 26.
  if (c === '23' || c === 'XY' || c === '25') c = 'X';
  if (c === '24') c = 'Y';
  if (c === '26') c = 'MT';
  return CHROMS.has(c) ? c : null;
}

function detect(lines: readonly string[]): { format: GenotypeFormat; header: string } {
  const head: string[] = [];
  for (const l of lines.slice(0, 200)) {
    if (l.startsWith('#') || l.trim() === '' || /^rsid\s/i.test(l)) head.push(l);
    else break;
  }
  const header = head.join('\n');
  if (/^##fileformat=VCF/i.test(lines[0] ?? '')) return { format: 'vcf', header };
  if (/ancestrydna|ancestry\.com/i.test(header) || /^rsid\s+chromosome\s+position\s+allele1\s+allele2/im.test(header)) return { format: 'ancestrydna', header };
  if (/23andme/i.test(header) || /^#\s*rsid\s+chromosome\s+position\s+genotype/im.test(header)) return { format: '23andme', header };
  // No header: sniff the first data lines.
  const data = lines.filter((l) => l.trim() !== '' && !l.startsWith('#')).slice(0, 20);
  const cols = data.map((l) => l.split(/\t|,/).map((c) => c.trim()));
  const idLike = (c: string[]) => /^(rs|i)\d+$/.test(c[0] ?? '') && /^\d+$/.test(c[2] ?? '');
  if (cols.length && cols.every((c) => c.length === 4 && idLike(c))) return { format: '23andme', header };
  if (cols.length && cols.every((c) => c.length === 5 && idLike(c))) return { format: 'ancestrydna', header };
  throw invalidField('genotype', 'the file is not a 23andMe, AncestryDNA or VCF genotype file');
}

function buildFromText(text: string): GenomeBuild | 'build36' | null {
  if (/grch38|hg38|\bb38\b|build\s*38/i.test(text)) return 'GRCh38';
  if (/grch37|hg19|\bb37\b|build\s*37|hs37d5/i.test(text)) return 'GRCh37';
  if (/ncbi36|hg18|build\s*36/i.test(text)) return 'build36';
  return null;
}

const ALLELE = /^[ACGTDI]$/;

/**
 * Reads a genotype file's text and returns the calls at the panel's variants, with counts
 * and line-numbered problems. Throws (field `genotype`) only when the text is not a
 * genotype file at all.
 */
export function parseGenotype(text: string, panel: readonly PanelVariant[]): ParsedGenotype {
  if (text.includes('\u0000')) throw invalidField('genotype', 'the file is binary, not a 23andMe, AncestryDNA or VCF genotype text file');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { format, header } = detect(lines);

  let build: GenomeBuild | null;
  let buildSource: string;
  const stated = buildFromText(format === 'vcf' ? lines.filter((l) => l.startsWith('##reference') || l.startsWith('##contig') || l.startsWith('##assembly')).join('\n') : header);
  if (stated === 'GRCh37' || stated === 'GRCh38') {
    build = stated;
    buildSource = 'header';
  } else if (stated === 'build36') {
    build = null;
    buildSource = 'header names NCBI build 36: matched by rsID only';
  } else if (format === 'vcf') {
    build = null;
    buildSource = 'the VCF does not name its reference: matched by rsID only';
  } else {
    build = 'GRCh37';
    buildSource = `assumed GRCh37 (${format === '23andme' ? '23andMe' : 'AncestryDNA'} files use build 37)`;
  }

  const byRsid = new Map(panel.map((v) => [v.rsid, v]));
  const byPos = new Map<string, PanelVariant>();
  if (build) for (const v of panel) {
    const pos = build === 'GRCh37' ? v.grch37 : v.grch38;
    if (pos !== null) byPos.set(`${v.chrom}:${pos}`, v);
  }

  const issues: LineIssue[] = [];
  let malformed = 0;
  let noCalls = 0;
  let dataLines = 0;
  const calls = new Map<string, PanelCall>();
  const bad = (line: number, reason: string): void => {
    malformed++;
    if (issues.length < MAX_ISSUES) issues.push({ line, reason });
  };
  const record = (v: PanelVariant | undefined, alleles: string[] | null, matchedBy: PanelCall['matchedBy'], line: number): void => {
    if (!v || calls.has(v.id)) return;
    calls.set(v.id, { variantId: v.id, alleles, matchedBy, line });
  };

  let gtIndex = -1;
  let vcfColumns = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const n = i + 1;
    if (raw.trim() === '') continue;
    if (format === 'vcf') {
      if (raw.startsWith('##')) continue;
      if (raw.startsWith('#CHROM')) {
        const cols = raw.slice(1).split('\t');
        if (cols.length < 10 || cols[8] !== 'FORMAT') throw invalidField('genotype', `line ${n}: the VCF has no sample column, so it holds no genotypes`);
        vcfColumns = true;
        continue;
      }
      if (!vcfColumns) {
        bad(n, 'data before the #CHROM header line');
        continue;
      }
      dataLines++;
      const c = raw.split('\t');
      if (c.length < 10) {
        bad(n, `expected at least 10 tab-separated columns, found ${c.length}`);
        continue;
      }
      const chrom = normChrom(c[0] as string);
      const pos = Number(c[1]);
      if (!chrom || !Number.isInteger(pos) || pos <= 0) {
        bad(n, 'chromosome or position is not valid');
        continue;
      }
      const ref = (c[3] as string).toUpperCase();
      const alts = (c[4] as string).toUpperCase().split(',');
      if (!/^[ACGTN]+$/.test(ref) || alts.some((a) => !/^([ACGTN]+|\.|\*|<[^>]+>)$/.test(a))) {
        bad(n, 'REF or ALT is not a valid allele');
        continue;
      }
      const fmt = (c[8] as string).split(':');
      gtIndex = fmt.indexOf('GT');
      if (gtIndex < 0) {
        bad(n, 'FORMAT has no GT field');
        continue;
      }
      const gt = ((c[9] as string).split(':')[gtIndex] ?? '').trim();
      const ids = (c[2] as string).split(';');
      const rs = ids.map((id) => byRsid.get(id)).find((v) => v !== undefined);
      const posHit = byPos.get(`${chrom}:${pos}`);
      const v = rs ?? posHit;
      if (/^\.([/|]\.)?$/.test(gt)) {
        noCalls++;
        record(v, null, rs ? 'rsid' : 'position', n);
        continue;
      }
      const idx = gt.split(/[/|]/);
      if (idx.some((x) => !/^\d+$/.test(x))) {
        bad(n, 'GT is not a genotype');
        continue;
      }
      const all = [ref, ...alts];
      const alleles = idx.map((x) => all[Number(x)]);
      if (alleles.some((a) => a === undefined)) {
        bad(n, 'GT names an allele the line does not have');
        continue;
      }
      if (v) {
        const indel = v.effectAllele === 'D' || v.effectAllele === 'I';
        record(v, (alleles as string[]).map((a) => (indel ? (a.length < ref.length ? 'D' : 'I') : a)), rs ? 'rsid' : 'position', n);
      }
      continue;
    }

    if (raw.startsWith('#') || /^rsid\s/i.test(raw)) continue;
    dataLines++;
    const c = raw.split(/\t|,/).map((x) => x.trim().replace(/^"|"$/g, ''));
    const want = format === '23andme' ? 4 : 5;
    if (c.length !== want) {
      bad(n, `expected ${want} columns, found ${c.length}`);
      continue;
    }
    const [id, chromRaw, posRaw] = c as [string, string, string];
    const chrom = normChrom(chromRaw);
    const pos = Number(posRaw);
    if (!/^(rs|i)\d+$/.test(id) || !chrom || !Number.isInteger(pos) || pos < 0) {
      bad(n, 'identifier, chromosome or position is not valid');
      continue;
    }
    let alleles: string[] | null;
    if (format === '23andme') {
      const g = (c[3] as string).toUpperCase();
      if (g === '--' || g === '00') alleles = null;
      else if (/^[ACGTDI]{1,2}$/.test(g)) alleles = g.split('');
      else {
        bad(n, 'genotype is not valid');
        continue;
      }
    } else {
      const a1 = (c[3] as string).toUpperCase();
      const a2 = (c[4] as string).toUpperCase();
      if ((a1 === '0' || a1 === '-') && (a2 === '0' || a2 === '-')) alleles = null;
      else if (ALLELE.test(a1) && ALLELE.test(a2)) alleles = [a1, a2];
      else {
        bad(n, 'alleles are not valid');
        continue;
      }
    }
    if (alleles === null) noCalls++;
    const rs = byRsid.get(id);
    record(rs ?? byPos.get(`${chrom}:${pos}`), alleles, rs ? 'rsid' : 'position', n);
  }
  if (format === 'vcf' && !vcfColumns) throw invalidField('genotype', 'the VCF has no #CHROM header line');
  if (dataLines === 0 || malformed === dataLines) throw invalidField('genotype', `no readable genotype line (${malformed} malformed of ${dataLines})`);
  return { format, build, buildSource, dataLines, noCalls, malformed, issues, calls };
}
