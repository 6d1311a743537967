# Regenerates the coefficient table in src/risk/models/ from the reference document.
# Usage: /usr/bin/python3 gen_qrisk.py [path/to/coefficients.md]  (default: ../shared/reference/cvrisk/coefficients.md)
import os, sys
_default = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/reference/cvrisk/coefficients.md')
src = open(sys.argv[1] if len(sys.argv) > 1 else _default).read()
sec = src[src.index('## 5. QRISK3'):src.index('## 6. Traps')]
lines = sec.split('\n')
def table_after(header_start):
    i = next(k for k,l in enumerate(lines) if l.startswith(header_start))
    i += 2
    rows = []
    while i < len(lines) and lines[i].startswith('|'):
        rows.append([c.strip() for c in lines[i].strip('|').split('|')]); i += 1
    return rows
base = table_after('| Quantity | Female | Male |')
eth = table_after('| ethrisk | Female | Male |')
smk = table_after('| smoke_cat | Female | Male |')
terms = table_after('| Term | Female | Male |')
def v(x):
    return None if x.startswith('(not') else float(x)
out = {'female': {}, 'male': {}}
for sexi, sex in [(1,'female'),(2,'male')]:
    d = out[sex]
    for r in base:
        q = r[0]
        if q.startswith('Baseline'): d['s0'] = r[sexi]
        elif q.startswith('centring constant subtracted from'):
            d['c_'+q.split()[-1]] = r[sexi]
    d['eth'] = [r[sexi] for r in eth]
    d['smoke'] = [r[sexi] for r in smk]
    d['terms'] = {r[0]: r[sexi] for r in terms if v(r[sexi]) is not None}
ts = ["/**\n * QRISK3-2017 coefficients, extracted from the ClinRisk LGPL C source [QR] (cvd_female_raw,\n * cvd_male_raw), as shipped in CRAN package QRISK3 v0.6.0 @f895997 inst/extdata/QRISK3_2017_src.txt.\n * Generated from shared/reference/cvrisk/coefficients.md section 5 (mechanical copy); do not\n * edit by hand. Long decimals are kept exactly as in the C source.\n */\n"]
ts.append("export interface Qrisk3Coefficients {\n  readonly survivor10: number;\n  /** Centring constants subtracted from each transformed predictor. */\n  readonly centre: { readonly age1: number; readonly age2: number; readonly bmi1: number; readonly bmi2: number; readonly rati: number; readonly sbp: number; readonly sbps5: number; readonly town: number };\n  /** Iethrisk, indexed by ClinRisk ethrisk 0-9 (0 unused, 1 White or not stated). */\n  readonly ethnicity: readonly number[];\n  /** Ismoke, indexed by smoke_cat 0-4. */\n  readonly smoking: readonly number[];\n  /** Every other term, keyed as in the C source; absent terms are not in that sex's model. */\n  readonly terms: Readonly<Record<string, number>>;\n}\n\n")
ts.append("export const QRISK3_COEFFICIENTS: Readonly<Record<'female' | 'male', Qrisk3Coefficients>> = {\n")
for sex in ['female','male']:
    d = out[sex]
    ts.append(f"  {sex}: {{\n    survivor10: {d['s0']},\n")
    c = {k[2:]: val for k,val in d.items() if k.startswith('c_')}
    ts.append(f"    centre: {{ age1: {c['age_1']}, age2: {c['age_2']}, bmi1: {c['bmi_1']}, bmi2: {c['bmi_2']}, rati: {c['rati']}, sbp: {c['sbp']}, sbps5: {c['sbps5']}, town: {c['town']} }},\n")
    ts.append(f"    ethnicity: [{', '.join(d['eth'])}],\n")
    ts.append(f"    smoking: [{', '.join(d['smoke'])}],\n    terms: {{\n")
    for k,val in d['terms'].items():
        ts.append(f"      '{k}': {val},\n")
    ts.append("    },\n  },\n")
ts.append("};\n")
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../src/risk/models/qrisk3-coefficients.ts'),'w').write(''.join(ts))
print(out['female']['terms'].keys())
