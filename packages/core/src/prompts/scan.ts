import { CATALOGUE } from '../catalogue/index.js'
import { textDigest } from '../digests.js'
import { provesOf } from '../status/coherence.js'
import type { Intent, RiskTier } from '../status/enums.js'

/** The scan prompt (PLATFORM.md §9.3, `scan@1`): what an agent checks before filing findings for a control. */
export const SCAN_TEMPLATE = { id: 'scan', version: 1 } as const

const SEVERITY_GUIDE: Record<RiskTier, string> = {
  critical: 'critical or high',
  high: 'high or medium',
  medium: 'medium or low',
  low: 'low or info',
}
const TIER_ORDER: RiskTier[] = ['critical', 'high', 'medium', 'low']

export interface ScanInput {
  control: { id: string; title: string; description: string }
  objectives: { id: string; statement: string; risk_tier: RiskTier }[]
  intents: readonly Intent[]
  acceptsSnippets: boolean
}

/** Renders the scan prompt deterministically: the same inputs give the same bytes, hence the same hash. */
export function renderScanPrompt(input: ScanInput): {
  prompt: string
  prompt_hash: string
  template: typeof SCAN_TEMPLATE
} {
  const { control, objectives, intents } = input
  const highest = TIER_ORDER.find((t) => objectives.some((o) => o.risk_tier === t)) ?? 'medium'
  const evidence = [...CATALOGUE.values()]
    .filter((t) => {
      const proves = provesOf(t.name)
      return proves !== '*' && intents.some((i) => proves.includes(i))
    })
    .map((t) => `- ${t.name}: ${t.claim}`)
  const generic = [...CATALOGUE.values()].filter((t) => provesOf(t.name) === '*').map((t) => t.name)
  const lines = [
    `Scan the code base for the security control ${control.id} and report what is missing.`,
    '',
    '## Security control',
    `${control.title}`,
    `${control.description}`,
    '',
    '## Objectives',
    ...(objectives.length
      ? objectives.map((o) => `- ${o.id} (risk tier ${o.risk_tier}): ${o.statement}`)
      : ['- none linked']),
    '',
    `## Intents: ${intents.length ? intents.join(', ') : 'unknown (judge from the description)'}`,
    '',
    '## Evidence that would prove it',
    ...(evidence.length ? evidence : ['- no specialised type; use the general ones']),
    `- any intent: ${generic.join(', ')}`,
    '',
    '## How to record what you checked',
    '- checked_locations: every file and line range you read (path relative to the repository root, start_line, end_line)' +
      (input.acceptsSnippets
        ? '; a short snippet may be included.'
        : '; do not include code: this workspace stores only a digest of any snippet.'),
    '- checked_patterns: the searches you ran (regular expressions or literal strings).',
    '- expected_evidence: what code, configuration or test would show the control is implemented.',
    '',
    '## Severity',
    `The highest linked risk tier is ${highest}: use ${SEVERITY_GUIDE[highest]}.`,
    '',
    '## If the control is implemented',
    'Do not file a finding. Submit typed assertions that prove it instead (submit_assertions), after checking each one locally with warrant verify.',
    '',
  ]
  const prompt = lines.join('\n')
  return { prompt, prompt_hash: textDigest(prompt), template: SCAN_TEMPLATE }
}
