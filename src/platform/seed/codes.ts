/**
 * The terminology the synthetic demo clinic is written in. Later capabilities (risk,
 * plans, monitoring) search the demo data by these codes, so they live in one place.
 *
 * Sources: LOINC (https://loinc.org), SNOMED CT International (https://browser.ihtsdotools.org),
 * RxNorm ingredient concepts (https://mor.nlm.nih.gov/RxNav). Medications are coded at the
 * ingredient level (RxNorm TTY=IN), with the strength in the dosage text: ingredient codes
 * are stable across products and are what a risk model asks ("is the patient on a statin?").
 * Codes marked `verify` were taken from secondary sources and should be confirmed by a
 * terminologist before anything but demo use.
 */
import type { Coding } from '@medplum/fhirtypes';

export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  bcp47: 'urn:ietf:bcp:47',
  /** WellAge's own code systems, for concepts with no suitable international code. */
  wellage: 'https://wellage.dev/fhir/CodeSystem',
} as const;

/** Marks every demo resource as synthetic, so nobody mistakes it for a real person. */
export const SYNTHETIC_TAG: Coding = {
  system: `${SYSTEM.wellage}/data-origin`,
  code: 'synthetic',
  display: 'Synthetic demo data',
};

const loinc = (code: string, display: string): Coding => ({ system: SYSTEM.loinc, code, display });
const sct = (code: string, display: string): Coding => ({ system: SYSTEM.snomed, code, display });
const rx = (code: string, display: string): Coding => ({ system: SYSTEM.rxnorm, code, display });

/** LOINC observation codes. */
export const LOINC = {
  vitalSignsPanel: loinc('85353-1', 'Vital signs, weight, height, head circumference, oxygen saturation and BMI panel'),
  bloodPressurePanel: loinc('85354-9', 'Blood pressure panel with all children optional'),
  systolic: loinc('8480-6', 'Systolic blood pressure'),
  diastolic: loinc('8462-4', 'Diastolic blood pressure'),
  heartRate: loinc('8867-4', 'Heart rate'),
  bodyWeight: loinc('29463-7', 'Body weight'),
  bodyHeight: loinc('8302-2', 'Body height'),
  bmi: loinc('39156-5', 'Body mass index (BMI) [Ratio]'),
  totalCholesterol: loinc('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma'),
  hdl: loinc('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma'),
  ldl: loinc('18262-6', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay'),
  triglycerides: loinc('2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma'),
  hba1c: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'),
  glucose: loinc('2345-7', 'Glucose [Mass/volume] in Serum or Plasma'),
  creatinine: loinc('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma'),
  /**
   * CKD-EPI 2021 (race-free) creatinine-based estimate, which is the equation the demo computes.
   * 62238-1 is the older CKD-EPI (2009) term; see docs/terminology.md.
   */
  egfr: loinc('98979-8', 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)'),
  smokingStatus: loinc('72166-2', 'Tobacco smoking status'),
  /**
   * LOINC 66555-4 "Skin type [Fitzpatrick Classification Scale]" (a PhenX term) for the
   * six-class phototype; its answers are given in WellAge's own code system (FITZPATRICK
   * below) because we could not confirm a LOINC answer list for them. See docs/terminology.md.
   */
  fitzpatrick: loinc('66555-4', 'Skin type [Fitzpatrick Classification Scale]'),
  pregnancyStatus: loinc('82810-3', 'Pregnancy status'),
  stepsPerDay: loinc('41950-7', 'Number of steps in 24 hour Measured'),
  restingHeartRate: loinc('40443-4', 'Heart rate --resting'),
} as const;

/** SNOMED CT clinical findings and disorders used as Condition codes. */
export const CONDITION = {
  hypertension: sct('59621000', 'Essential hypertension'),
  type2Diabetes: sct('44054006', 'Diabetes mellitus type 2'),
  hyperlipidaemia: sct('55822004', 'Hyperlipidemia'),
  hypothyroidism: sct('40930008', 'Hypothyroidism'),
  rosacea: sct('398909004', 'Rosacea'),
  acne: sct('88616000', 'Acne vulgaris'),
  melasma: sct('36209000', 'Melasma'),
  atopicDermatitis: sct('24079001', 'Atopic dermatitis'),
  /** 372244006 is the disorder (not the morphology); 93655004 "Malignant melanoma of skin" is narrower. */
  melanoma: sct('372244006', 'Malignant melanoma'),
  obesity: sct('414916001', 'Obesity'),
  myocardialInfarction: sct('22298006', 'Myocardial infarction'),
} as const;

/** Localised Condition.text, so the record reads naturally in the clinic's language. */
export const CONDITION_TEXT: Record<keyof typeof CONDITION, { en: string; es: string }> = {
  hypertension: { en: 'Essential hypertension', es: 'Hipertensión arterial esencial' },
  type2Diabetes: { en: 'Type 2 diabetes', es: 'Diabetes mellitus tipo 2' },
  hyperlipidaemia: { en: 'Hyperlipidaemia', es: 'Hiperlipidemia' },
  hypothyroidism: { en: 'Hypothyroidism', es: 'Hipotiroidismo' },
  rosacea: { en: 'Rosacea', es: 'Rosácea' },
  acne: { en: 'Acne vulgaris', es: 'Acné vulgar' },
  melasma: { en: 'Melasma', es: 'Melasma' },
  atopicDermatitis: { en: 'Atopic dermatitis', es: 'Dermatitis atópica' },
  melanoma: { en: 'History of cutaneous melanoma', es: 'Antecedente de melanoma cutáneo' },
  obesity: { en: 'Obesity', es: 'Obesidad' },
  myocardialInfarction: { en: 'Myocardial infarction', es: 'Infarto de miocardio' },
};

/**
 * Smoking status answers (SNOMED CT), as in the HL7 smoking-status value sets. Note that
 * 428041000124106 (occasional smoker, used by the intake) is a US-extension concept.
 */
export const SMOKING = {
  current: sct('449868002', 'Smokes tobacco daily'),
  former: sct('8517006', 'Ex-smoker'),
  never: sct('266919005', 'Never smoked tobacco'),
} as const;

export const PREGNANCY = {
  pregnant: sct('77386006', 'Pregnant'),
  notPregnant: sct('60001007', 'Not pregnant'),
} as const;

/** Body sites (SNOMED CT body structures) for skin findings and procedures. */
export const BODY_SITE = {
  face: sct('89545001', 'Face structure'),
  back: sct('77568009', 'Structure of back of trunk'),
  trunk: sct('22943007', 'Trunk structure'),
  upperLimb: sct('53120007', 'Upper limb structure'),
  lowerLimb: sct('61685007', 'Lower limb structure'),
} as const;

/** Procedures (SNOMED CT). Codes marked `verify` had no public evidence; see docs/terminology.md. */
export const PROCEDURE = {
  /** verify */
  botulinumToxin: sct('442695005', 'Injection of botulinum toxin'),
  /** verify */
  dermalFiller: sct('787876008', 'Injection of dermal filler'),
  /** verify */
  laserSkin: sct('445907001', 'Laser procedure on skin'),
  skinBiopsy: sct('240977001', 'Biopsy of skin'),
  /** verify */
  excisionSkin: sct('440258006', 'Excision of skin'),
  /** No SNOMED CT code could be confirmed offline; WellAge code until a terminologist maps it. */
  chemicalPeel: { system: `${SYSTEM.wellage}/procedure`, code: 'chemical-peel', display: 'Chemical peel' } as Coding,
} as const;

/** RxNorm ingredients (TTY=IN). */
export const RXNORM = {
  atorvastatin: rx('83367', 'atorvastatin'),
  simvastatin: rx('36567', 'simvastatin'),
  rosuvastatin: rx('301542', 'rosuvastatin'),
  ramipril: rx('35296', 'ramipril'),
  enalapril: rx('3827', 'enalapril'),
  lisinopril: rx('29046', 'lisinopril'),
  amlodipine: rx('17767', 'amlodipine'),
  hydrochlorothiazide: rx('5487', 'hydrochlorothiazide'),
  metformin: rx('6809', 'metformin'),
  levothyroxine: rx('10582', 'levothyroxine'),
  isotretinoin: rx('6064', 'isotretinoin'),
  doxycycline: rx('3640', 'doxycycline'),
  tretinoin: rx('10753', 'tretinoin'),
  ethinylEstradiol: rx('4124', 'ethinyl estradiol'),
  levonorgestrel: rx('6373', 'levonorgestrel'),
} as const;

/**
 * Which RxNorm ingredients are statins and antihypertensives (for risk inputs). The lists
 * live with the risk capability, which owns their meaning; re-exported here for the seed.
 */
export { STATIN_CODES, ANTIHYPERTENSIVE_CODES } from '../../risk/medication-classes.ts';

/** Allergy substances (SNOMED CT substances; hyaluronidase as text only, see `verify`). */
export const ALLERGEN = {
  lidocaine: sct('387480006', 'Lidocaine'),
  latex: sct('111088007', 'Latex'),
  penicillin: sct('764146007', 'Penicillin'),
  eggs: sct('102263004', 'Eggs'),
  /** No SNOMED CT substance code could be confirmed offline; WellAge code for the demo. */
  hyaluronidase: { system: `${SYSTEM.wellage}/substance`, code: 'hyaluronidase', display: 'Hyaluronidase' } as Coding,
} as const;

/** Allergic reaction manifestations (SNOMED CT). */
export const REACTION = {
  urticaria: sct('126485001', 'Urticaria'),
  rash: sct('271807003', 'Eruption of skin'),
  anaphylaxis: sct('39579001', 'Anaphylaxis'),
  angioedema: sct('41291007', 'Angioedema'),
  contactDermatitis: sct('40275004', 'Contact dermatitis'),
} as const;

/** Fitzpatrick phototypes I–VI (Fitzpatrick TB, Arch Dermatol 1988;124:869-871). */
export const FITZPATRICK_SYSTEM = `${SYSTEM.wellage}/fitzpatrick-skin-type`;
export const FITZPATRICK_TYPES = ['I', 'II', 'III', 'IV', 'V', 'VI'] as const;
export type FitzpatrickType = (typeof FITZPATRICK_TYPES)[number];

/** Aesthetic and well-aging goals (WellAge code system; no international code set exists). */
export const GOAL_SYSTEM = `${SYSTEM.wellage}/aesthetic-goal`;
export const GOALS = {
  'soften-dynamic-lines': { en: 'Soften forehead and frown lines', es: 'Suavizar arrugas de expresión de frente y entrecejo' },
  'restore-volume': { en: 'Restore mid-face volume', es: 'Recuperar volumen del tercio medio facial' },
  'even-skin-tone': { en: 'More even skin tone, fewer dark patches', es: 'Tono de piel más uniforme, menos manchas' },
  'improve-texture': { en: 'Smoother skin texture', es: 'Mejorar la textura de la piel' },
  'reduce-redness': { en: 'Less facial redness', es: 'Reducir el enrojecimiento facial' },
  'clear-acne': { en: 'Clear active acne and prevent scarring', es: 'Controlar el acné activo y prevenir cicatrices' },
  'healthy-aging': { en: 'Stay fit and healthy while ageing', es: 'Envejecer con salud y buena forma' },
  'heart-health': { en: 'Lower cardiovascular risk', es: 'Reducir el riesgo cardiovascular' },
  'skin-check': { en: 'Regular mole checks', es: 'Revisiones periódicas de lunares' },
} as const;
export type GoalCode = keyof typeof GOALS;
