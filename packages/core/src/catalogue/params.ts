import { z } from 'zod'

/** The kinds of parameter the catalogue knows; each maps to one zod schema and one JSON type for forms and docs. */
export type ParamKind =
  | 'path'
  | 'glob'
  | 'path_or_glob'
  | 'name'
  | 'regex'
  | 'regex_list'
  | 'string'
  | 'key_path'
  | 'env_name'
  | 'boolean'
  | 'integer'
  | 'numeric'
  | 'command'
  | 'enum'

export interface ParamSpec {
  kind: ParamKind
  description: string
  required?: boolean
  default?: unknown
  values?: readonly string[]
  min?: number
  max?: number
}

const NAME_SEGMENT = /^#?[\p{L}\p{Nl}_$][\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Pc}$]*[!?]?$/u

/** Splits a code name (§2.6): `.`, `::`, `->` and PHP's `\` are separators. Returns undefined when malformed. */
export function splitName(name: string): string[] | undefined {
  // Decorators may be written with a leading `@` and C# attributes in brackets: `@login_required`, `[Authorize]`.
  const bare = name.replace(/^@/, '').replace(/^\[(.*)\]$/, '$1')
  const segments = bare.split(/::|->|\\|\./)
  if (segments.some((s) => !NAME_SEGMENT.test(s))) return undefined
  return segments
}

/** Parses a key path (§3.8) into segments with optional list indexes; undefined when malformed. */
export type KeySegment = { name: string; indexes: number[] }
export function parseKeyPath(path: string): KeySegment[] | undefined {
  const out: KeySegment[] = []
  let i = 0
  while (i <= path.length) {
    let name = ''
    if (path[i] === '"') {
      i++
      let closed = false
      while (i < path.length) {
        const c = path[i]!
        if (c === '\\') {
          const next = path[i + 1]
          if (next !== '"' && next !== '\\') return undefined
          name += next
          i += 2
        } else if (c === '"') {
          closed = true
          i++
          break
        } else {
          name += c
          i++
        }
      }
      if (!closed) return undefined
    } else {
      const m = /^[^.[\]"\s]+/.exec(path.slice(i))
      if (!m) return undefined
      name = m[0]
      i += name.length
    }
    const indexes: number[] = []
    while (path[i] === '[') {
      const m = /^\[(\d+)\]/.exec(path.slice(i))
      if (!m) return undefined
      indexes.push(Number(m[1]))
      i += m[0].length
    }
    out.push({ name, indexes })
    if (i === path.length) return out
    if (path[i] !== '.') return undefined
    i++
  }
  return undefined
}

export const NUMERIC_STRING = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** A value as JSON for messages, cut at 60 characters. */
export const quote = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 60 ? `${s.slice(0, 59)}…` : s
}

type Iss = { input?: unknown; code?: string }
const msg = (key: string, expectation: string) => (iss: Iss) =>
  iss.input === undefined ? `'${key}' is required` : `'${key}' must be ${expectation} (got ${quote(iss.input)})`

const nonEmptyString = (key: string, expectation = 'a non-empty string') =>
  z
    .string({ error: msg(key, expectation) })
    .min(1, { error: msg(key, expectation) })
    .refine((s) => !s.includes('\0'), { error: `'${key}' must not contain NUL` })

/** Builds the zod schema of one parameter from its spec. */
export function paramSchema(key: string, spec: ParamSpec): z.ZodType {
  switch (spec.kind) {
    case 'path':
    case 'glob':
    case 'path_or_glob':
    case 'regex':
    case 'string':
      return nonEmptyString(key)
    case 'name':
      return nonEmptyString(key, 'a dotted name without arguments').refine((s) => splitName(s) !== undefined, {
        error: (iss) => `'${key}' must be a dotted name without arguments (got ${quote(iss.input)})`,
      })
    case 'key_path':
      return nonEmptyString(key, 'a key path').refine((s) => parseKeyPath(s) !== undefined, {
        error: (iss) => `'${key}' must be a key path like a.b[0]."c.d" (got ${quote(iss.input)})`,
      })
    case 'env_name':
      return nonEmptyString(key).refine((s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s), {
        error: (iss) =>
          `'${key}' must be an environment variable name [A-Za-z_][A-Za-z0-9_]* (got ${quote(iss.input)})`,
      })
    case 'regex_list':
      return z
        .array(nonEmptyString(key), { error: msg(key, 'a non-empty array of regexes') })
        .min(1, { error: `'${key}' must be a non-empty array of regexes (got [])` })
    case 'boolean':
      return z.boolean({ error: msg(key, 'a boolean') })
    case 'integer': {
      const expectation = `an integer from ${spec.min} to ${spec.max}`
      return z
        .number({ error: msg(key, expectation) })
        .int({ error: msg(key, expectation) })
        .min(spec.min ?? Number.MIN_SAFE_INTEGER, { error: msg(key, expectation) })
        .max(spec.max ?? Number.MAX_SAFE_INTEGER, { error: msg(key, expectation) })
    }
    case 'numeric': {
      const error = msg(key, 'a number or numeric string')
      return z.union([z.number({ error }).finite({ error }), z.string({ error }).regex(NUMERIC_STRING, { error })], {
        error,
      })
    }
    case 'command': {
      const error = msg(key, 'a string or a non-empty array of strings')
      return z.union([nonEmptyString(key), z.array(nonEmptyString(key), { error }).min(1, { error })], { error })
    }
    case 'enum': {
      const values = spec.values ?? []
      return z.enum(values as [string, ...string[]], { error: msg(key, `one of ${values.join(', ')}`) })
    }
  }
}

/** JSON type names for documentation and forms. */
export function jsonTypeOf(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'boolean':
      return 'boolean'
    case 'integer':
      return 'integer'
    case 'numeric':
      return 'number | numeric string'
    case 'regex_list':
      return 'string[]'
    case 'command':
      return 'string | string[]'
    case 'enum':
      return (spec.values ?? []).map((v) => JSON.stringify(v)).join(' | ')
    default:
      return 'string'
  }
}
