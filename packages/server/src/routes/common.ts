import type { Principal } from '../auth/principal.js'
import type { Actor } from '../services/controls.js'

export const actorOf = (p: Principal, userId: string): Actor =>
  p.kind === 'api_key'
    ? { kind: 'api_key', id: p.key.id, user_id: userId }
    : { kind: 'user', id: userId, user_id: userId }

/** `{items, next_cursor}` from a query that fetched `limit + 1` rows. */
export function page<T>(rows: T[], limit: number, key: (row: T) => string): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit)
  return { items, next_cursor: rows.length > limit ? key(items.at(-1)!) : null }
}
