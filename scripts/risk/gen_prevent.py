import re
# Regenerates the coefficient table in src/risk/models/ from the reference document.
# Usage: /usr/bin/python3 gen_prevent.py [path/to/coefficients.md]  (default: ../shared/reference/cvrisk/coefficients.md)
import os, sys
_default = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/reference/cvrisk/coefficients.md')
src = open(sys.argv[1] if len(sys.argv) > 1 else _default).read()
LABELS = {
 "Age, per 10 years":"age","Age, 10 years":"age","Age squared":"ageSq",
 "non-HDL-C per 1 mmol/L":"nonHdl","HDL-C per 0.3 mmol/L":"hdl",
 "SBP <110 per 20 mmHg":"sbpLow","SBP ≥110 per 20 mmHg":"sbpHigh","Diabetes":"diabetes","Current smoking":"smoker",
 "BMI <30, per 5 kg/m2":"bmiLow","BMI 30+, per 5 kg/m2":"bmiHigh","eGFR <60, per -15 ml":"egfrLow","eGFR 60+, per -15 ml":"egfrHigh",
 "Anti-hypertensive use":"bpTreated","Statin use":"statin","Treated SBP ≥110 mm Hg per 20 mm Hg":"treatedSbpHigh",
 "Treated non-HDL-C":"treatedNonHdl","Age per 10yr * non-HDL-C per 1 mmol/L":"ageNonHdl","Age per 10yr * HDL-C per 0.3 mmol/L":"ageHdl",
 "Age per 10yr * SBP ≥110 mm Hg per 20 mmHg":"ageSbpHigh","Age per 10yr * diabetes":"ageDiabetes","Age per 10yr * current smoking":"ageSmoker",
 "Age per 10yr * BMI 30+ per 5 kg/m2":"ageBmiHigh","Age per 10yr * eGFR <60, per -15 ml":"ageEgfrLow","ln-ACR, mg/g, per 1 ln unit":"lnAcr",
 "Missing ACR/PCR/Dipstick":"missingAcr","HbA1c in DM, per 1%":"hba1cDm","HbA1c no DM, per 1%":"hba1cNoDm","Missing HbA1c":"missingHba1c",
 "SDI decile categories 4-6 vs. 1-3":"sdi46","SDI decile categories 7-10 vs. 1-3":"sdi710","Missing SDI":"missingSdi","Constant":"constant"}
TERMS = ["constant","age","ageSq","nonHdl","hdl","sbpLow","sbpHigh","diabetes","smoker","bmiLow","bmiHigh","egfrLow","egfrHigh","bpTreated","statin","treatedSbpHigh","treatedNonHdl","ageNonHdl","ageHdl","ageSbpHigh","ageDiabetes","ageSmoker","ageBmiHigh","ageEgfrLow","lnAcr","missingAcr","hba1cDm","hba1cNoDm","missingHba1c","sdi46","sdi710","missingSdi"]
HEADS = [("### 2.2 Base model, 10-year","base","10","base_10yr"),("### 2.3 Base model, 30-year","base","30","base_30yr"),
 ("10-year uACR model","uacr","10","uacr_10yr"),("30-year uACR model","uacr","30","uacr_30yr"),("10-year HbA1c model","hba1c","10","hba1c_10yr"),
 ("30-year HbA1c model","hba1c","30","hba1c_30yr"),("10-year SDI model","sdi","10","sdi_10yr"),("30-year SDI model","sdi","30","sdi_30yr"),
 ("10-year full model","full","10","full_10yr"),("30-year full model","full","30","full_30yr")]
COLS = [("female","cvd"),("male","cvd"),("female","ascvd"),("male","ascvd"),("female","hf"),("male","hf"),("female","chd"),("male","chd"),("female","stroke"),("male","stroke")]
out = {}
lines = src.split('\n')
for head, model, hz, prv in HEADS:
    i = next(k for k,l in enumerate(lines) if l.startswith(head))
    # find table start
    while not lines[i].startswith('| Term'): i += 1
    i += 2
    rows = {}
    while i < len(lines) and lines[i].startswith('|'):
        cells = [c.strip() for c in lines[i].strip('|').split('|')]
        key = LABELS[cells[0]]
        assert key not in rows
        rows[key] = [float(x) for x in cells[1:]]
        assert len(rows[key]) == 10
        i += 1
    out[(model,hz)] = (prv, rows)
    print(model, hz, len(rows))
ts = []
ts.append("/**\n * AHA PREVENT coefficients (Khan SS et al., Circulation 2024;149:430, supplemental Excel Tables\n * S12A-S12J) [KHAN], as transcribed in [PRV] martingmayer/preventr v0.12.0 @ebe2ac1 R/sysdata.rda\n * (object named per table below) and, identically, in [PC] bcjaeger/PooledCohort v0.0.2 @b6c7d86.\n * Generated from shared/reference/cvrisk/coefficients.md sections 2.2-2.5 (cell-by-cell copy);\n * do not edit by hand. Each vector follows PREVENT_TERMS; a term absent from a model is 0.\n */\n")
ts.append("export const PREVENT_TERMS = [\n" + "".join(f"  '{t}',\n" for t in TERMS) + "] as const;\n")
ts.append("export type PreventTerm = (typeof PREVENT_TERMS)[number];\n")
ts.append("export type PreventModelName = 'base' | 'uacr' | 'hba1c' | 'sdi' | 'full';\nexport type PreventOutcomeCode = 'cvd' | 'ascvd' | 'hf' | 'chd' | 'stroke';\n")
ts.append("type ByOutcome = Readonly<Record<PreventOutcomeCode, readonly number[]>>;\ntype BySex = Readonly<Record<'female' | 'male', ByOutcome>>;\n\n")
ts.append("export const PREVENT_COEFFICIENTS: Readonly<Record<PreventModelName, Readonly<Record<'10' | '30', BySex>>>> = {\n")
for model in ["base","uacr","hba1c","sdi","full"]:
    ts.append(f"  {model}: {{\n")
    for hz in ["10","30"]:
        prv, rows = out[(model,hz)]
        ts.append(f"    // [PRV] {prv}\n    '{hz}': {{\n")
        for sex in ["female","male"]:
            ts.append(f"      {sex}: {{\n")
            for oc in ["cvd","ascvd","hf","chd","stroke"]:
                j = COLS.index((sex,oc))
                vec = [rows[t][j] if t in rows else 0 for t in TERMS]
                ts.append(f"        {oc}: [{', '.join(repr(v) for v in vec)}],\n")
            ts.append("      },\n")
        ts.append("    },\n")
    ts.append("  },\n")
ts.append("};\n")
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../src/risk/models/prevent-coefficients.ts'),'w').write(''.join(ts))
