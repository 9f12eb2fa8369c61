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
 * Appends events inside the caller's business transaction: the single writer (an advisory lock) allocates the next
 * indexes and each chain's next sequence numbers, so an event exists exactly when its change committed.
 */
export async function appendEvents(trx: Db, events: readonly EventInput[]): Promise<Appended[]> {
  if (events.length === 0) return []
  await sql`select pg_advisory_xact_lock(${LOG_LOCK})`.execute(trx)
  const top = await trx.selectFrom('log_leaves').select('idx').orderBy('idx', 'desc').limit(1).executeTakeFirst()
  const heads = new Map<string, { seq: number; prev: string }>()
  for (const chain of new Set(events.map((e) => e.chain))) {
    const last = await trx
      .selectFrom('log_leaves')
      .select(['seq', 'leaf'])
      .where('chain', '=', chain)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
    heads.set(chain, last ? { seq: last.seq, prev: digest(last.leaf) } : { seq: 0, prev: chainGenesis(chain) })
  }
  let index = (top?.idx ?? -1) + 1
  const rows = events.map((event) => {
    const head = heads.get(event.chain)!
    const record = {
      v: 1,
      chain: event.chain,
      seq: head.seq + 1,
      prev: head.prev,
      at: event.at,
      type: event.type,
      actor: event.actor,
      model: event.model,
      subject: event.subject,
      data: event.data,
    }
    const leaf = new TextEncoder().encode(canonicalJson(record))
    if (leaf.length > MAX_LEAF_BYTES)
      throw new ApiError(500, 'internal_error', `log event ${event.type} exceeds 16 KiB`)
    heads.set(event.chain, { seq: record.seq, prev: digest(leaf) })
    return { idx: index++, chain: event.chain, seq: record.seq, leaf, leaf_hash: leafHash(leaf), created_at: event.at }
  })
  for (let i = 0; i < rows.length; i += 1000)
    await trx
      .insertInto('log_leaves')
      .values(rows.slice(i, i + 1000))
      .execute()
  return rows.map((r) => ({ index: r.idx, seq: r.seq, leaf_hash: Buffer.from(r.leaf_hash).toString('hex') }))
}

export async function appendEvent(trx: Db, event: EventInput): Promise<Appended> {
  return (await appendEvents(trx, [event]))[0]!
}
