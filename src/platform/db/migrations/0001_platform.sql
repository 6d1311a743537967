-- WellAge platform schema: tenants, users, sessions, the FHIR store, audit, files.
-- PostgreSQL dialect; runs unchanged on PGlite and on a PostgreSQL server.

create table clinic (
  id          text primary key,
  name        text not null,
  country     text,
  -- Clinic settings edited by admins (audited), e.g. {"blindedFirstRead": true}.
  settings    jsonb not null default '{}'::jsonb,
  created_at  timestamptz not null default now()
);

create table app_user (
  id               text primary key,
  clinic_id        text not null references clinic(id),
  email            text not null unique, -- stored lower-case
  display_name     text not null,
  role             text not null check (role in ('admin', 'clinician', 'nurse', 'patient', 'learner')),
  password_hash    text not null,        -- argon2id, PHC string
  patient_id       text,                 -- the FHIR Patient a patient user may see
  practitioner_id  text,                 -- the FHIR Practitioner a staff user acts as
  locale           text not null default 'en' check (locale in ('en', 'es')),
  active           boolean not null default true,
  created_at       timestamptz not null default now(),
  check (role <> 'patient' or patient_id is not null)
);

-- Web sessions and API tokens. Only a SHA-256 of each token is kept: a leaked table
-- cannot be replayed.
create table auth_session (
  token_hash    text primary key,
  user_id       text not null references app_user(id),
  kind          text not null check (kind in ('session', 'api')),
  label         text,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
create index auth_session_user_idx on auth_session (user_id);

create table login_attempt (
  id              bigserial primary key,
  email           text not null,
  client_address  text not null,
  succeeded       boolean not null,
  at              timestamptz not null default now()
);
create index login_attempt_email_idx on login_attempt (email, at);
create index login_attempt_address_idx on login_attempt (client_address, at);

-- The current version of every FHIR resource. clinic_id is the tenant; patient_id is
-- the Patient compartment the resource belongs to (null for Practitioner, Organization...).
create table fhir_resource (
  resource_type  text not null,
  id             text not null,
  version_id     integer not null,
  last_updated   timestamptz not null,
  clinic_id      text not null references clinic(id),
  patient_id     text,
  deleted        boolean not null default false,
  content        jsonb not null,
  primary key (resource_type, id)
);
create index fhir_resource_patient_idx on fhir_resource (patient_id);
create index fhir_resource_clinic_type_idx on fhir_resource (clinic_id, resource_type, last_updated);

-- Every version ever written, for _history and vread. A delete is a version with
-- deleted = true and no content.
create table fhir_resource_history (
  resource_type  text not null,
  id             text not null,
  version_id     integer not null,
  last_updated   timestamptz not null,
  deleted        boolean not null default false,
  content        jsonb,
  primary key (resource_type, id, version_id)
);

-- Search index rows extracted from the current version on each write.
create table fhir_search_index (
  resource_type  text not null,
  id             text not null,
  param          text not null,
  system         text,
  value          text,
  date_start     timestamptz,
  date_end       timestamptz
);
create index fhir_search_value_idx on fhir_search_index (resource_type, param, value);
create index fhir_search_date_idx on fhir_search_index (resource_type, param, date_start, date_end);
create index fhir_search_resource_idx on fhir_search_index (resource_type, id);

-- Append-only, hash-chained audit log. Each row's hash covers its content and the
-- previous row's hash, so any edit breaks the chain from that row on.
create table audit_event (
  seq             bigint primary key,
  at              timestamptz not null,
  user_id         text,
  role            text,
  clinic_id       text,
  action          text not null,
  resource_type   text,
  resource_id     text,
  patient_id      text,
  client_address  text,
  outcome         text not null check (outcome in ('success', 'denied', 'failed')),
  detail          jsonb,
  prev_hash       text not null,
  hash            text not null
);
create index audit_event_clinic_idx on audit_event (clinic_id, seq);
create index audit_event_patient_idx on audit_event (patient_id, seq);

create function audit_event_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_event is append-only';
end;
$$;
create trigger audit_event_no_update before update or delete on audit_event
  for each row execute function audit_event_append_only();

-- Metadata of stored files (images, documents); the bytes live in blob storage.
create table stored_file (
  id             text primary key,
  clinic_id      text not null references clinic(id),
  patient_id     text,
  content_type   text not null,
  byte_size      integer not null,
  sha256         text not null,
  width          integer,
  height         integer,
  storage_key    text not null,
  created_by     text,
  created_at     timestamptz not null default now()
);
