import { CATALOGUE } from '@warrant/core'
import { type Io, UsageError } from '../io.js'
import { type CheckOptions, runChecks } from './run-checks.js'

const STRING_KINDS = new Set(['path', 'glob', 'path_or_glob', 'name', 'regex', 'string', 'key_path', 'env_name'])
const LOOKS_LIKE_JSON = /^(\[[\s\S]*\]|-?(\d|\.\d)[\s\S]*|true|false)$/

/** Turns `-p key=value` pairs into params (§5.4). */
export function paramsFromPairs(type: string, pairs: string[]): Record<string, unknown> {
  const specs = CATALOGUE.get(type)?.params
  const params: Record<string, unknown> = Object.create(null)
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`-p takes key=value (got ${JSON.stringify(pair)})`)
    const key = pair.slice(0, eq)
    const text = pair.slice(eq + 1)
    if (Object.hasOwn(params, key)) throw new UsageError(`param '${key}' given twice`)
    const kind = specs && Object.hasOwn(specs, key) ? specs[key]?.kind : undefined
    if ((kind && STRING_KINDS.has(kind)) || !LOOKS_LIKE_JSON.test(text.trim())) {
      params[key] = text
      continue
    }
    try {
      params[key] = JSON.parse(text)
    } catch (e) {
      throw new UsageError(`param '${key}': invalid JSON: ${(e as Error).message}`)
    }
  }
  return { ...params }
}

/** `warrant verify TYPE -p key=value …`: one assertion with id `a1` (§5.4). */
export function verify(type: string, pairs: string[], opts: CheckOptions, io: Io): Promise<number> {
  const params = paramsFromPairs(type, pairs)
  return runChecks([{ id: 'a1', type, params, line: 1, column: 1 }], opts, io)
}
