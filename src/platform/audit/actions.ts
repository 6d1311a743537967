/**
 * Every action the audit log records. Dependency-free so the web app's audit filter
 * imports the same list the server writes.
 */
export const AUDIT_ACTIONS = [
  'read',
  'vread',
  'search',
  'history',
  'create',
  'update',
  'delete',
  'everything',
  'import',
  'export',
  'login',
  'logout',
  'token-create',
  'user-create',
  'file-upload',
  'file-read',
  'file-expire',
  'consent-check',
  'audit-read',
  'ai-call',
  'lesion-impression',
  'lesion-decision',
  'lesion-histopathology',
  'lesion-settings',
  'lesion-operating-point',
] as const;
