import { createHash } from 'node:crypto'
import { canonicalJson } from './canonical-json.js'

/** The digests of EVIDENCE.md §3: `sha256:` followed by 64 lower-case hex characters; strings hash as UTF-8. */
export function sha256Hex(input: Uint8Array | string): string {
  return createHash('sha256').update(input).digest('hex')
}

/** `digest(x)` of EVIDENCE.md §1. */
export function digest(input: Uint8Array | string): string {
  return `sha256:${sha256Hex(input)}`
}

/** `doc_digest(v)`: the digest of the RFC 8785 canonical form. */
export function docDigest(value: unknown): string {
  return digest(canonicalJson(value))
}

/** `text_digest(s)`: the digest of the UTF-8 bytes of `s`. */
export function textDigest(text: string): string {
  return digest(text)
}

export interface AssertionDigestInput {
  id: string
  model_id: string
  control_id: string
  type: string
  params: Record<string, unknown>
  description: string
  repo?: string | null
}

/** EVIDENCE.md §3.4; an untagged assertion hashes its repo as "". */
export function assertionDigest(a: AssertionDigestInput): string {
  return docDigest({
    id: a.id,
    model_id: a.model_id,
    control_id: a.control_id,
    type: a.type,
    params: a.params,
    description: a.description,
    repo: a.repo ?? '',
  })
}

const ascending = (values: readonly string[]) => [...values].sort()

/** EVIDENCE.md §3.5: the digest of the sorted assertion digests of a control's active assertions. */
export function assertionSetDigest(assertionDigests: readonly string[]): string {
  return docDigest(ascending(assertionDigests))
}

export interface ControlContent {
  id: string
  revision: number
  title: string
  description: string
  objective_ids: readonly string[]
  intents: readonly string[]
}

/** EVIDENCE.md §3.6: a control's `content_digest`, with objective ids and intents sorted. */
export function controlContentDigest(c: ControlContent): string {
  return docDigest({
    id: c.id,
    revision: c.revision,
    title: c.title,
    description: c.description,
    objective_ids: ascending(c.objective_ids),
    intents: ascending(c.intents),
  })
}
