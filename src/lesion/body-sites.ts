/**
 * Where a lesion is: SNOMED CT body structures at the granularity of the HAM10000 / ISIC
 * "localization" field (scalp, face, ear, neck, chest, abdomen, back, upper and lower limb,
 * hand, foot), so a clinic's cases line up with the model card's by-body-site metrics.
 * Laterality and the exact spot go into the clinician's label. Pure data.
 *
 * Codes and their evidence: docs/terminology.md (SNOMED CT rows "lesion body-sites.ts").
 */
import type { BodySite } from './views.ts';

const SCT = 'http://snomed.info/sct' as const;

const site = (code: string, display: string, en: string, es: string): BodySite => ({ code, system: SCT, display, label: { en, es } });

/** In head-to-toe order, as the web's select shows them. */
export const BODY_SITES: readonly BodySite[] = [
  site('41695006', 'Scalp structure', 'Scalp', 'Cuero cabelludo'),
  site('89545001', 'Face structure', 'Face', 'Cara'),
  site('117590005', 'Ear structure', 'Ear', 'Oreja'),
  site('45048000', 'Neck structure', 'Neck', 'Cuello'),
  site('51185008', 'Thoracic structure', 'Chest', 'Tórax'),
  site('818983003', 'Abdomen structure', 'Abdomen', 'Abdomen'),
  site('77568009', 'Structure of back of trunk', 'Back', 'Espalda'),
  site('53120007', 'Upper limb structure', 'Arm (upper limb)', 'Brazo (miembro superior)'),
  site('85562004', 'Hand structure', 'Hand', 'Mano'),
  site('61685007', 'Lower limb structure', 'Leg (lower limb)', 'Pierna (miembro inferior)'),
  site('56459004', 'Foot structure', 'Foot', 'Pie'),
];

/** The body site with this SNOMED CT code, or undefined. */
export function bodySiteByCode(code: string): BodySite | undefined {
  return BODY_SITES.find((s) => s.code === code);
}
