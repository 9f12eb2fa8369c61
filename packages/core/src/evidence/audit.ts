/** Formats of the audit package (EVIDENCE.md §10) and the pins file (§11), shared by the server and `warrant audit`. */
export const AUDIT_PACKAGE_FORMAT = 'warrant.audit-package/v1'
export const AUDIT_MANIFEST_FORMAT = 'warrant.audit-manifest/v1'
export const AUDIT_MANIFEST_PAYLOAD_TYPE = 'application/vnd.warrant.audit-manifest+json'
export const PINS_FORMAT = 'warrant.pins/v1'

/** The sections of a package, in the contract's order; the manifest lists exactly these. */
export const AUDIT_SECTIONS = [
  'scope',
  'keys',
  'log',
  'events',
  'policy',
  'model',
  'assertions',
  'judgements',
  'runs',
  'findings',
  'drift',
  'repos',
  'verdicts',
] as const
export type AuditSection = (typeof AUDIT_SECTIONS)[number]

/** The `entity_kind` of `entity.changed` events (EVIDENCE.md §9.2) for each entity list of the `model` section. */
export const ENTITY_KINDS = {
  assets: 'asset',
  attackers: 'attacker',
  assumptions: 'assumption',
  control_objectives: 'objective',
} as const
