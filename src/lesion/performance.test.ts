import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../platform/seed/prng.ts';
import { parseModelCard, type LesionAction } from './model-card.ts';
import { clinicianPerformance, livePerformance, type ExamRead } from './performance.ts';

const card = parseModelCard(JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../models/lesion/model-card.json'), 'utf8')));

let n = 0;
function read(
  clinicianId: string,
  impression: LesionAction,
  ai: LesionAction,
  decision: LesionAction,
  mel: boolean | null,
  extra: Partial<ExamRead> = {},
): ExamRead {
  n++;
  return {
    examId: `e${n}`,
    lesionId: `l${n}`,
    clinicianId,
    blinded: true,
    impression: { diagnosis: impression === 'refer' ? 'mel' : 'nv', action: impression },
    ai: { action: ai, melanomaProbability: ai === 'refer' ? 0.6 : 0.02 },
    decision: { agreesWithAi: decision === ai, diagnosis: decision === 'refer' ? 'mel' : 'nv', action: decision },
    histopathology: mel === null ? null : { diagnosis: mel ? 'mel' : 'nv', malignant: mel },
    ...extra,
  };
}

describe('per-clinician performance', () => {
  const reads = [
    // Dr A: agrees on 2 of 4 blinded reads; once switched to the AI and was right (melanoma).
    read('a', 'refer', 'refer', 'refer', true),
    read('a', 'benign-appearing', 'refer', 'refer', true),
    read('a', 'refer', 'benign-appearing', 'refer', false),
    read('a', 'benign-appearing', 'benign-appearing', 'benign-appearing', null),
    // An unblinded read does not count towards agreement.
    read('a', 'monitor', 'monitor', 'monitor', null, { blinded: false }),
    read('b', 'monitor', 'refer', 'monitor', false),
  ];
  const [a, b] = clinicianPerformance(reads);

  it('counts reads, agreement, overrides and switches', () => {
    expect(a!.clinician).toEqual({ id: 'a', name: null });
    expect(a!.reads).toBe(5);
    // Agreement on 3 of 5 impressions (the unblinded one agrees too).
    expect(a!.agreement).toMatchObject({ k: 3, n: 5, value: 0.6 });
    expect(a!.agreement.ci95![0]).toBeLessThan(0.6);
    // Override: decision 'refer' where the AI said benign-appearing.
    expect(a!.overrides).toMatchObject({ k: 1, n: 5 });
    // Switches count blinded impressions only: 2 differed from the AI, 1 then followed it.
    expect(a!.switchedToAi).toMatchObject({ k: 1, n: 2 });
    expect(b!.overrides).toMatchObject({ k: 1, n: 1 });
    expect(b!.switchedToAi).toMatchObject({ k: 0, n: 1 });
  });

  it('scores impression, AI and decision against histopathology and says who was right', () => {
    const c = a!.confirmed!;
    expect(c.cases).toBe(3);
    // Melanomas: exams 1 and 2. Impression flagged 1 of 2; AI 2 of 2; decision 2 of 2.
    expect(c.impression.sensitivity).toMatchObject({ k: 1, n: 2, value: 0.5 });
    expect(c.ai.sensitivity.value).toBe(1);
    expect(c.decision.sensitivity.value).toBe(1);
    // The one benign: impression and decision flagged it (false positive), the AI did not.
    expect(c.impression.specificity.value).toBe(0);
    expect(c.ai.specificity.value).toBe(1);
    expect(a!.disagreements).toEqual({ total: 2, clinicianRight: 0, aiRight: 2 });
  });
});

describe('live performance', () => {
  it('compares the AI on confirmed exams with the card, at the thresholds in force', () => {
    const reads: ExamRead[] = [];
    for (let i = 0; i < 8; i++) reads.push(read('a', 'refer', 'refer', 'refer', true, { ai: { action: 'refer', melanomaProbability: 0.3 + i * 0.05 } }));
    for (let i = 0; i < 12; i++) reads.push(read('a', 'monitor', 'monitor', 'monitor', false, { ai: { action: 'monitor', melanomaProbability: 0.05 + i * 0.03 } }));
    reads.push(read('a', 'refer', 'refer', 'refer', null));
    // A benign lesion followed up 4 months without change counts; one followed up 1 month does not.
    reads.push(read('a', 'monitor', 'monitor', 'monitor', null, { ai: { action: 'monitor', melanomaProbability: 0.01 }, followedUpDaysWithoutChange: 120 }));
    reads.push(read('a', 'monitor', 'monitor', 'monitor', null, { ai: { action: 'monitor', melanomaProbability: 0.5 }, followedUpDaysWithoutChange: 30 }));
    const live = livePerformance(reads, { refer: 0.3, monitor: 0.2 }, card, createRng(5), 200);
    expect(live.confirmedCases).toBe(21);
    expect(live.melanomas).toBe(8);
    const [refer] = live.points;
    expect(refer!.sensitivity.value).toBe(1);
    // Benign scores 0.05..0.38 and 0.01: 0.32, 0.35, 0.38 are >= 0.3 -> 3 false positives of 13.
    expect(refer!.specificity).toMatchObject({ k: 10, n: 13 });
    expect(live.melanomaAuc!.value).toBeGreaterThan(0.9);
    expect(refer!.card?.sensitivity).toBe(card.operating_points[0]!.test_split.sensitivity);
    expect(live.cardMelanomaAuc?.value).toBe(card.metrics.overall.melanoma_auc?.value);
  });
  it('gives no AUC with too few melanomas', () => {
    const live = livePerformance([read('a', 'refer', 'refer', 'refer', true)], { refer: 0.3, monitor: 0.2 }, card, createRng(5), 10);
    expect(live.melanomaAuc).toBeNull();
    expect(live.points[0]!.sensitivity.value).toBe(1);
    expect(live.points[0]!.specificity).toEqual({ value: null, ci95: null, k: 0, n: 0 });
  });
});
