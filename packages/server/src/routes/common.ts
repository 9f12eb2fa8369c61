import { parseStrictJson, StrictJsonError } from '@warrant/core'
import type { Principal } from '../auth/principal.js'
import { validationError } from '../errors.js'
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

/**
 * A JSON document sent as a string member (`assertions_json`, `findings_json`): parsed as strictly as a body
 * (duplicate names, fractions, bad syntax refused), reported as a 422 at that member, never a server error.
 */
export function parseJsonMember(text: string, path: string): unknown {
  try {
    return parseStrictJson(text)
  } catch (e) {
    const code = e instanceof StrictJsonError ? e.code : 'invalid_json'
    throw validationError(
      [{ path, code, message: `${path.slice(1)} is not a strict JSON document: ${(e as Error).message}` }],
      'validation_failed',
    )
  }
}
