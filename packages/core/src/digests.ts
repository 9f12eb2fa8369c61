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

/** EVIDENCE.md §3.6: an asset's, attacker's, assumption's or objective's `content_digest` (its id and stored fields). */
export function entityContentDigest(id: string, body: Record<string, unknown>): string {
  return docDigest({ id, ...body })
}

export interface EvidenceLinkContent {
  id: string
  control_id: string
  kind: string
  label: string
  url: string | null
  created_by: unknown
}

/** EVIDENCE.md §3.6: an evidence link's `content_digest` (its stored fields, PLATFORM.md §2.2, without timestamps). */
export function evidenceLinkDigest(l: EvidenceLinkContent): string {
  return docDigest({
    id: l.id,
    control_id: l.control_id,
    kind: l.kind,
    label: l.label,
    url: l.url,
    created_by: l.created_by,
  })
}

/**
 * EVIDENCE.md §3.6: `evaluation_digest` and `review_digest`, the `doc_digest` of a judgement record as the audit
 * package exports it (§10.3): without `job` and `last_error` (never exported) and without its `event_index`.
 */
export function judgementDigest(record: object): string {
  const { job: _job, last_error: _error, event_index: _index, ...exported } = record as Record<string, unknown>
  return docDigest(exported)
}

/** An AI verdict's model as events and pins name it (`<provider>/<model>`, EVIDENCE.md §9.2, §11); null otherwise. */
export const aiModelName = (r: { provider: string | null; model: string | null }): string | null =>
  r.provider !== null && r.model !== null ? `${r.provider}/${r.model}` : null
