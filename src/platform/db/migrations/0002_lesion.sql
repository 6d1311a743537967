-- Lesion second opinion: lesions, exams (the blinded-first-read workflow), derived pictures,
-- per-clinic settings and operating points. The FHIR BodyStructure, Media, DiagnosticReport and
-- Observation of each live in fhir_resource; these tables hold the workflow around them.

-- One lesion of one patient; id = the FHIR BodyStructure id written with it.
create table lesion (
  id          text primary key,
  clinic_id   text not null references clinic(id),
  patient_id  text not null,
  body_site   text not null,          -- SNOMED CT code (src/lesion/body-sites.ts)
  label       text not null,
  created_by  text,                   -- app_user id; null for the system (seed)
  created_at  timestamptz not null
);
create index lesion_patient_idx on lesion (clinic_id, patient_id);

-- One image of one lesion and what became of it.
create table lesion_exam (
  id                   text primary key,
  clinic_id            text not null references clinic(id),
  patient_id           text not null,
  lesion_id            text not null references lesion(id),
  status               text not null check (status in ('awaiting-impression', 'revealed', 'signed', 'cannot-assess')),
  file_id              text not null references stored_file(id),
  media_id             text not null,  -- FHIR Media
  pixels_per_mm        double precision,
  input_sha256         text not null,  -- of the stored (EXIF-free) image bytes the model read
  model_name           text not null,
  model_version        text not null,
  model_sha256         text not null,
  calibration_version  integer,        -- lesion_operating_point.version in force; null = the model card
  -- LesionAnalysis (src/lesion/types.ts) with picture bytes removed (kept in lesion_picture).
  analysis             jsonb not null,
  impression           jsonb,          -- {diagnosis, action, confidence, note, blinded, by, at}
  decision             jsonb,          -- {agreesWithAi, diagnosis, action, note, by, at}
  histopathology       jsonb,          -- {diagnosis, malignant, date, note, by, at}
  diagnostic_report_id text,           -- FHIR DiagnosticReport written on signing
  observation_id       text,           -- FHIR Observation of the histopathology
  created_by           text,
  created_at           timestamptz not null,
  updated_at           timestamptz not null
);
create index lesion_exam_lesion_idx on lesion_exam (lesion_id, created_at);
create index lesion_exam_clinic_idx on lesion_exam (clinic_id, created_at);

-- Outline and heatmap PNGs of an accepted analysis (small: at most the analysed image's size).
create table lesion_picture (
  exam_id     text not null references lesion_exam(id),
  kind        text not null check (kind in ('outline', 'heatmap')),
  width       integer not null,
  height      integer not null,
  png_base64  text not null,
  created_at  timestamptz not null,
  primary key (exam_id, kind)
);

-- Per-clinic settings of the lesion workflow (absent row = defaults: blinded first read on).
create table lesion_clinic_setting (
  clinic_id           text primary key references clinic(id),
  blinded_first_read  boolean not null default true,
  updated_by          text,
  updated_at          timestamptz not null
);

-- The clinic's operating points, append-only: the highest version is in force.
create table lesion_operating_point (
  clinic_id              text not null references clinic(id),
  version                integer not null,
  refer_threshold        double precision not null check (refer_threshold > 0 and refer_threshold < 1),
  monitor_threshold      double precision not null check (monitor_threshold > 0 and monitor_threshold <= refer_threshold),
  temperature            double precision not null check (temperature > 0),
  revert_to_model_card   boolean not null default false,
  reason                 text not null,
  basis                  jsonb not null, -- case counts and CIs at adoption
  created_by             text,
  created_at             timestamptz not null,
  primary key (clinic_id, version)
);
