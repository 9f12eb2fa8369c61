// The closed sets of PLATFORM.md §3, in contract order. Order matters: status_reasons are listed in STATUS_REASONS order.
// This module imports nothing, so the catalogue can use it without an import cycle.

export const ROLES = ['owner', 'reviewer', 'member', 'auditor'] as const
export type Role = (typeof ROLES)[number]

export const IMPLEMENTATION_STATUSES = ['not_implemented', 'implemented'] as const
export type ImplementationStatus = (typeof IMPLEMENTATION_STATUSES)[number]

export const VERIFICATION_STATUSES = ['verified', 'partially_verified', 'pending', 'unverified'] as const
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number]

export const STATUS_REASONS = [
  'no_assertions',
  'tier1_fail',
  'tier1_error',
  'tier2_fail',
  'tier2_error',
  'assertion_incoherent',
  'insufficient',
  'awaiting_tier1',
  'tier1_skipped',
  'awaiting_tier2',
  'tier2_skipped',
  'tier2_stale',
  'awaiting_coherence',
  'awaiting_sufficiency',
  'awaiting_sufficiency_signoff',
  'ready_to_mark_implemented',
] as const
export type StatusReason = (typeof STATUS_REASONS)[number]

export const RESULTS = ['pass', 'fail', 'error', 'skipped'] as const
export type ResultValue = (typeof RESULTS)[number]

export const EFFECTIVE_RESULTS = ['pending', 'pass', 'fail', 'error', 'skipped', 'not_applicable'] as const
export type EffectiveResult = (typeof EFFECTIVE_RESULTS)[number]

export const EVALUATIONS = ['passing', 'failing', 'incoherent', 'awaiting'] as const
export type Evaluation = (typeof EVALUATIONS)[number]

export const COHERENCE_VERDICTS = ['pending', 'coherent', 'incoherent'] as const
export type CoherenceVerdict = (typeof COHERENCE_VERDICTS)[number]

export const SUFFICIENCY_STATUSES = ['pending', 'sufficient', 'insufficient'] as const
export type SufficiencyStatus = (typeof SUFFICIENCY_STATUSES)[number]

export const TIER2_SOURCES = ['ci', 'human'] as const
export type Tier2Source = (typeof TIER2_SOURCES)[number]

export const FINDING_LIFECYCLE = ['discovered', 'acknowledged', 'remediated', 'dismissed'] as const
export type FindingLifecycle = (typeof FINDING_LIFECYCLE)[number]

export const FINDING_STATUSES = [...FINDING_LIFECYCLE, 'verified'] as const
export type FindingStatus = (typeof FINDING_STATUSES)[number]

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

export const RISK_TIERS = ['critical', 'high', 'medium', 'low'] as const
export type RiskTier = (typeof RISK_TIERS)[number]

export const ASSURANCES = ['verified', 'at_risk', 'in_progress', 'uncovered'] as const
export type Assurance = (typeof ASSURANCES)[number]

export const PIPELINE_PROVIDERS = [
  'github_actions',
  'gitlab_ci',
  'jenkins',
  'circleci',
  'buildkite',
  'azure_pipelines',
  'bitbucket',
  'local',
  'other',
] as const
export type PipelineProvider = (typeof PIPELINE_PROVIDERS)[number]

export const TIER2_PROVIDERS = ['openai', 'openai_compatible', 'anthropic', 'ollama', 'other', 'none'] as const
export type Tier2Provider = (typeof TIER2_PROVIDERS)[number]

export const REVIEW_ITEM_KINDS = [
  'control',
  'tier2_verdict',
  'sufficiency_signoff',
  'coherence_check',
  'refinement',
] as const
export type ReviewItemKind = (typeof REVIEW_ITEM_KINDS)[number]

export const REVIEW_REASONS = ['stale_verification', 'never_verified', 'open_drift', 'never_reviewed'] as const
export type ReviewReason = (typeof REVIEW_REASONS)[number]

export const EVIDENCE_LINK_KINDS = ['code', 'test', 'config', 'document', 'ticket', 'url'] as const
export type EvidenceLinkKind = (typeof EVIDENCE_LINK_KINDS)[number]

/** §9.1, versioned with HEURISTIC_VERSION. */
export const INTENTS = [
  'authentication',
  'authorization',
  'session_management',
  'input_validation',
  'output_encoding',
  'cryptography',
  'secret_management',
  'integrity',
  'supply_chain',
  'transport_security',
  'security_headers',
  'logging_monitoring',
  'error_handling',
  'rate_limiting',
  'configuration_hardening',
  'data_protection',
] as const
export type Intent = (typeof INTENTS)[number]
