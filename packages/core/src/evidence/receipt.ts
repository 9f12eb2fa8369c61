import { STATEMENT_TYPE } from './statement.js'

/** The notarization receipt statement the platform signs for every accepted run (EVIDENCE.md §7). */
export const RECEIPT_PREDICATE = 'https://warrant.dev/attestation/notarization-receipt/v1'

const hex = (digest: string) => digest.replace(/^sha256:/, '')

export interface ReceiptInput {
  instance: { origin: string; key_fingerprint: string }
  workspace_id: string
  model_id: string
  run_id: string
  repo: string
  commit_sha: string
  accepted_at: string
  results_count: number
  results_hash: string
  submission_digest: string
  /** The digest of the attestation material (bundle, signature or token), when there is any. */
  material_digest: string | null
  /** The digest of a raw OIDC token sent next to a bundle or signature (`extra_oidc`), when there is one. */
  extra_token_digest?: string | null
  attestation: Record<string, unknown> & {
    method: string
    binding: string
    identity: string
    satisfies_requirement: boolean
    policy_digest: string
  }
  log: { origin: string; index: number; leaf_hash: string }
}

export function buildReceiptStatement(r: ReceiptInput) {
  return {
    _type: STATEMENT_TYPE,
    subject: [
      { name: 'warrant:results', digest: { sha256: hex(r.results_hash) } },
      { name: 'warrant:submission', digest: { sha256: hex(r.submission_digest) } },
      ...(r.material_digest ? [{ name: 'warrant:attestation', digest: { sha256: hex(r.material_digest) } }] : []),
      ...(r.extra_token_digest ? [{ name: 'warrant:oidc-token', digest: { sha256: hex(r.extra_token_digest) } }] : []),
    ],
    predicateType: RECEIPT_PREDICATE,
    predicate: {
      instance: r.instance,
      workspace_id: r.workspace_id,
      model_id: r.model_id,
      run_id: r.run_id,
      repo: r.repo,
      commit_sha: r.commit_sha,
      accepted_at: r.accepted_at,
      results_count: r.results_count,
      attestation: r.attestation,
      log: r.log,
    },
  }
}
