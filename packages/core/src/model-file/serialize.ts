import { Document, isScalar, visit } from 'yaml'
import type { ModelFile } from './types.js'

/** The members of each object of the file, in the order of PLATFORM.md §8.2. */
const ORDER = {
  file: ['format', 'model', 'revision_note', 'assets', 'attackers', 'assumptions', 'control_objectives', 'controls'],
  model: ['title', 'description', 'repos'],
  asset: ['id', 'name', 'description', 'properties', 'impact', 'notes'],
  attacker: ['id', 'name', 'capability', 'position', 'likelihood'],
  assumption: ['id', 'description', 'objective_ids', 'owner', 'review_by'],
  objective: ['id', 'statement', 'asset_id', 'attacker_id', 'property', 'risk_tier'],
  control: [
    'id',
    'title',
    'description',
    'objective_ids',
    'intents',
    'implementation_status',
    'implementation_notes',
    'refinement_justification',
    'evidence_links',
    'assertions',
  ],
  link: ['kind', 'label', 'url'],
  assertion: ['id', 'type', 'params', 'description', 'repo'],
} as const

/** Lists that read back as [] when absent, so an empty one is left out. */
const OMITTED_WHEN_EMPTY = new Set([
  'assets',
  'attackers',
  'assumptions',
  'control_objectives',
  'controls',
  'evidence_links',
  'assertions',
])

function pick(o: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    const value = (o as Record<string, unknown>)[key]
    if (value === undefined || (OMITTED_WHEN_EMPTY.has(key) && Array.isArray(value) && value.length === 0)) continue
    out[key] = value
  }
  return out
}

/**
 * Writes a model file for export (PLATFORM.md §8.3): members in §8.2 order, empty lists left out, no anchors,
 * aliases or tags, so that parseModelFile reads back the same file. Equal files give equal text.
 */
export function serializeModelFile(file: ModelFile, format: 'yaml' | 'json'): string {
  const plain = pick(
    {
      ...file,
      model: pick(file.model, ORDER.model),
      assets: file.assets.map((a) => pick(a, ORDER.asset)),
      attackers: file.attackers.map((a) => pick(a, ORDER.attacker)),
      assumptions: file.assumptions.map((a) => pick(a, ORDER.assumption)),
      control_objectives: file.control_objectives.map((o) => pick(o, ORDER.objective)),
      controls: file.controls.map((c) =>
        pick(
          {
            ...c,
            evidence_links: c.evidence_links.map((l) => pick(l, ORDER.link)),
            assertions: c.assertions.map((a) => pick(a, ORDER.assertion)),
          },
          ORDER.control,
        ),
      ),
    },
    ORDER.file,
  )
  if (format === 'json') return `${JSON.stringify(plain, null, 2)}\n`
  const doc = new Document(plain, { aliasDuplicateObjects: false })
  // Lists of ids and enum values read best on one line, as in the §8.4 example.
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.length > 0 && seq.items.every((item) => isScalar(item))) seq.flow = true
    },
  })
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false })
}
