import { canonicalJson, digest, leafHash } from '@warrant/core'
import { sql } from 'kysely'
import type { Db } from '../db/open.js'
import { ApiError } from '../errors.js'

/** Event records of the transparency log (EVIDENCE.md §9.2) and their per-chain hash links (§9.3). */
export type Actor = { kind: 'user' | 'api_key' | 'workspace_key' | 'system'; id: string | null }

export interface EventInput {
  chain: string
  type: string
  actor: Actor
  model: string | null
  subject: { kind: string; id: string }
  data: Record<string, unknown>
  at: string
}

export interface Appended {
  index: number
  seq: number
  leaf_hash: string
}

const LOG_LOCK = 7461024
const MAX_LEAF_BYTES = 16 * 1024

export const chainGenesis = (chain: string): string => digest(`warrant/chain/v1\n${chain}`)

/**
 * Appends one event inside the caller's business transaction: the single writer (an advisory lock) allocates the next
 * index and the chain's next sequence number, so an event exists exactly when its change committed.
 */
export async function appendEvent(trx: Db, event: EventInput): Promise<Appended> {
  await sql`select pg_advisory_xact_lock(${LOG_LOCK})`.execute(trx)
  const [last, top] = await Promise.all([
    trx
      .selectFrom('log_leaves')
      .select(['seq', 'leaf'])
      .where('chain', '=', event.chain)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst(),
    trx.selectFrom('log_leaves').select('idx').orderBy('idx', 'desc').limit(1).executeTakeFirst(),
  ])
  const seq = (last?.seq ?? 0) + 1
  const record = {
    v: 1,
    chain: event.chain,
    seq,
    prev: last ? digest(last.leaf) : chainGenesis(event.chain),
    at: event.at,
    type: event.type,
    actor: event.actor,
    model: event.model,
    subject: event.subject,
    data: event.data,
  }
  const leaf = new TextEncoder().encode(canonicalJson(record))
  if (leaf.length > MAX_LEAF_BYTES) throw new ApiError(500, 'internal_error', `log event ${event.type} exceeds 16 KiB`)
  const hash = leafHash(leaf)
  const index = (top?.idx ?? -1) + 1
  await trx
    .insertInto('log_leaves')
    .values({ idx: index, chain: event.chain, seq, leaf, leaf_hash: hash, created_at: event.at })
    .execute()
  return { index, seq, leaf_hash: Buffer.from(hash).toString('hex') }
}
