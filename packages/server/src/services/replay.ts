import type { Db } from '../db/open.js'

/** How often expired replay records are deleted. */
export const REPLAY_SWEEP_MS = 60 * 60 * 1000

/**
 * Deletes the replay records past their `expires_at` (EVIDENCE.md §6.8: a token's `jti` is kept until `exp` + 60 s,
 * an OIDC token's at least 10 min). Such a token is refused by its own time check, so its record is no longer needed.
 * Records without `expires_at` (statement and signature digests) are kept forever. Answers how many were deleted.
 */
export async function purgeExpiredReplayRecords(db: Db, now: Date): Promise<number> {
  const deleted = await db
    .deleteFrom('replay_records')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<', now.toISOString())
    .executeTakeFirst()
  return Number(deleted.numDeletedRows)
}
