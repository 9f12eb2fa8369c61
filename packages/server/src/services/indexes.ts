import { sql } from 'kysely'
import type { Db } from '../db/open.js'

/**
 * Rebuilds a model's newest-result indexes from the full history of counting runs (PLATFORM.md §4.1): needed when
 * which runs count changes (attestation required or not, a signing key revoked as compromised). Ingest maintains the
 * same indexes incrementally; this is the slow, authoritative path.
 */
export async function rebuildIndexes(trx: Db, modelId: string): Promise<void> {
  await trx.deleteFrom('latest_results').where('model_id', '=', modelId).execute()
  await trx.deleteFrom('tier2_verdicts').where('model_id', '=', modelId).execute()
  for (const [slot, filter] of [
    ['any', sql``],
    ['decisive', sql`and r.result <> 'skipped'`],
  ] as const) {
    await sql`
      insert into latest_results (assertion_id, repo, tier, slot, model_id, result_id, run_id, result, accepted_at,
        evidence_digest, commit_sha, details, locations, anchor_result_id, control_revision)
      select distinct on (r.assertion_id, r.repo, r.tier) r.assertion_id, r.repo, r.tier, ${slot}, r.model_id, r.id,
        r.run_id, r.result, r.accepted_at, r.evidence_digest, u.commit_sha, r.details, r.locations, r.anchor_result_id,
        r.control_revision
      from results r join runs u on u.id = r.run_id
      where r.model_id = ${modelId} and u.counting and not r.assertion_deleted ${filter}
      order by r.assertion_id, r.repo, r.tier, r.accepted_at desc, r.id desc`.execute(trx)
  }
  // Tier 2 verdicts by evidence key: counting CI verdicts and every human review, newest per key.
  await sql`
    insert into tier2_verdicts (assertion_id, repo, evidence_key, model_id, source, record_id, result, at,
      anchor_result_id, evidence_digest, control_revision)
    select distinct on (assertion_id, repo, evidence_key) assertion_id, repo, evidence_key, model_id, source, record_id,
      result, at, anchor_result_id, evidence_digest, control_revision
    from (
      select r.assertion_id, r.repo, coalesce(a.evidence_digest, 'anchor:' || a.id) as evidence_key, r.model_id,
        'ci' as source, r.id as record_id, r.result, r.accepted_at as at, a.id as anchor_result_id,
        a.evidence_digest, r.control_revision
      from results r join runs u on u.id = r.run_id join results a on a.id = r.anchor_result_id
      where r.model_id = ${modelId} and u.counting and r.tier = 2 and r.result in ('pass', 'fail', 'error')
        and not r.assertion_deleted
      union all
      select t.assertion_id, t.repo, coalesce(t.evidence_digest, 'anchor:' || t.anchor_result_id), t.model_id, 'human',
        t.id, t.verdict, t.created_at, t.anchor_result_id, t.evidence_digest, t.control_revision
      from tier2_reviews t where t.model_id = ${modelId}
    ) v
    order by assertion_id, repo, evidence_key, at desc, record_id desc`.execute(trx)
}
