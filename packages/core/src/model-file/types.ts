import type { EvidenceLinkKind, ImplementationStatus, Intent, RiskTier } from '../status/enums.js'

/** PLATFORM.md §8: the model file. Optional fields are absent when the file omits them (an update leaves them). */
export const MODEL_FILE_FORMAT = 'warrant.model/v1'

export const ASSET_PROPERTIES = [
  'confidentiality',
  'integrity',
  'availability',
  'authenticity',
  'accountability',
] as const
export type AssetProperty = (typeof ASSET_PROPERTIES)[number]

export const LEVELS = ['high', 'medium', 'low'] as const
export type Level = (typeof LEVELS)[number]

export interface ModelFile {
  format: typeof MODEL_FILE_FORMAT
  model: { title: string; description?: string; repos?: string[] }
  revision_note?: string
  assets: Asset[]
  attackers: Attacker[]
  assumptions: Assumption[]
  control_objectives: ControlObjective[]
  controls: ControlEntry[]
}

export interface Asset {
  id: string
  name: string
  description?: string
  properties?: AssetProperty[]
  impact?: Level
  notes?: string
}

export interface Attacker {
  id: string
  name: string
  capability?: string
  position?: string
  likelihood?: Level
}

export interface Assumption {
  id: string
  description: string
  objective_ids?: string[]
  owner?: string
  /** `YYYY-MM-DD`. */
  review_by?: string
}

export interface ControlObjective {
  id: string
  statement: string
  asset_id?: string
  attacker_id?: string
  property?: AssetProperty
  risk_tier?: RiskTier
}

export interface ControlEntry {
  id: string
  title: string
  description: string
  objective_ids: string[]
  intents?: Intent[]
  implementation_status?: ImplementationStatus
  implementation_notes?: string
  refinement_justification?: string
  evidence_links: EvidenceLinkEntry[]
  assertions: AssertionEntry[]
}

export interface EvidenceLinkEntry {
  kind: EvidenceLinkKind
  label: string
  url?: string
}

/** Validated as in PLATFORM.md §5.11: params with the catalogue's defaults, repo in lower case or null. */
export interface AssertionEntry {
  /** Server id (`asr_…`); only exports carry it. */
  id?: string
  type: string
  params: Record<string, unknown>
  description: string
  repo: string | null
}

export interface ModelFileError {
  /** JSON Pointer into the file, e.g. `/controls/0/assertions/1/params/file`. */
  path: string
  line: number | null
  column: number | null
  code: string
  message: string
}

/** On an update import, what the stored model already has: references to it resolve (§8.2, §8.3). */
export interface ExistingModel {
  assets?: Iterable<string>
  attackers?: Iterable<string>
  control_objectives?: Iterable<string>
  /** Controls with at least one active assertion: they may be `implemented` without assertions in the file. */
  controls_with_assertions?: Iterable<string>
}
