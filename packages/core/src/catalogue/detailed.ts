import type { z } from 'zod'
import { KiB, utf8Length } from '../utf8.js'
import { applyDefaults, type CatalogueEntry, type CrossRuleProblem } from './index.js'
import type { ParamSpec } from './params.js'
import { globProblem, pathProblem } from './path-rules.js'
import { regexProblem } from './regex-rules.js'

/** The PLATFORM.md §5.11 codes a param can fail with. */
export type ParamErrorCode =
  | 'param_missing'
  | 'param_unknown'
  | 'param_type'
  | 'param_too_long'
  | 'param_too_many'
  | 'path_invalid'
  | 'glob_invalid'
  | 'regex_unsupported'
  | 'regex_invalid'
  | 'value_invalid'

export interface ParamProblem {
  /** Tokens below `params`: `['file']`, `['patterns', 2]`; empty when the problem is about params as a whole. */
  path: (string | number)[]
  code: ParamErrorCode
  message: string
}

export type DetailedParamValidation =
  | { ok: true; params: Record<string, unknown> }
  | { ok: false; problems: ParamProblem[] }

export const MAX_PARAM_STRING_BYTES = 4 * KiB
/** The catalogue's maximum for array params (`patterns`, `command`); not part of the zod schemas. */
export const MAX_PARAM_ARRAY_ITEMS = 100

const HASH_HEX_LENGTHS: Record<string, number> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
  'sha3-256': 64,
  'sha3-512': 128,
}

/**
 * validateParams with a machine code and a path per problem, plus the rules the server checks before storing an
 * assertion (PLATFORM.md §5.11): string lengths, array sizes, path, glob and regex rules, and the hash format of
 * file_hash. Every problem is reported; the messages of schema problems are validateParams' own.
 */
export function validateParamsDetailed(entry: CatalogueEntry, params: unknown): DetailedParamValidation {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { ok: false, problems: [{ path: [], code: 'param_type', message: 'params must be a JSON object' }] }
  }
  const given = params as Record<string, unknown>
  const parsed = entry.schema.safeParse(given)
  const issues = parsed.success ? [] : parsed.error.issues
  const problems = issues.flatMap((issue) => classifyIssue(entry, given, issue))
  // Cross-field issues sit at the root: they do not stop the checks of each value.
  const schemaFailed = new Set(issues.map((issue) => issue.path[0]))
  for (const [key, spec] of Object.entries(entry.params)) {
    if (given[key] !== undefined && !schemaFailed.has(key)) problems.push(...valueProblems(key, spec, given[key]))
  }
  if (entry.name === 'file_hash' && !problems.some((p) => p.path[0] === 'expected_hash' || p.path[0] === 'algorithm')) {
    problems.push(...fileHashProblems(given))
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems }
  return { ok: true, params: applyDefaults(entry, parsed.data) }
}

function classifyIssue(
  entry: CatalogueEntry,
  params: Record<string, unknown>,
  issue: z.core.$ZodIssue,
): ParamProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      path: [k],
      code: 'param_unknown',
      message: `'${k}' is not a parameter of ${entry.name}`,
    }))
  }
  const [key, ...below] = issue.path
  if (typeof key !== 'string') {
    const rule = (issue.code === 'custom' ? issue.params : undefined) as CrossRuleProblem | undefined
    return [
      {
        path: rule?.param !== undefined ? [rule.param] : [],
        code: rule?.code ?? 'value_invalid',
        message: issue.message,
      },
    ]
  }
  const spec = entry.params[key]!
  const path = [key, ...below.map((t) => (typeof t === 'number' ? t : String(t)))]
  const value = below.reduce<unknown>((v, t) => (v as Record<PropertyKey, unknown>)?.[t as PropertyKey], params[key])
  let code: ParamErrorCode
  if (value === undefined) code = 'param_missing'
  else if (!hasJsonType(spec, value, below.length > 0)) code = 'param_type'
  else code = wrongValueCode(spec, below.length > 0)
  return [{ path, code, message: issue.message }]
}

/** Whether the value has a JSON type the param accepts (for array params, `item` asks about one element). */
function hasJsonType(spec: ParamSpec, value: unknown, item: boolean): boolean {
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean'
    case 'integer':
      return Number.isInteger(value)
    case 'numeric':
      return typeof value === 'number' || typeof value === 'string'
    case 'regex_list':
      return item ? typeof value === 'string' : Array.isArray(value)
    case 'command':
      return typeof value === 'string' || (!item && Array.isArray(value))
    default:
      return typeof value === 'string'
  }
}

/**
 * The code of a value with the right JSON type that the schema still refused: empty, NUL, malformed, out of range,
 * or an empty list.
 */
function wrongValueCode(spec: ParamSpec, item: boolean): ParamErrorCode {
  switch (spec.kind) {
    case 'path':
      return 'path_invalid'
    case 'glob':
    case 'path_or_glob':
      return 'glob_invalid'
    case 'regex':
      // An empty pattern matches the empty string.
      return 'regex_unsupported'
    case 'regex_list':
      return item ? 'regex_unsupported' : 'value_invalid'
    default:
      return 'value_invalid'
  }
}

/** The rules beyond the schema, for a value the schema accepted. */
function valueProblems(key: string, spec: ParamSpec, value: unknown): ParamProblem[] {
  if (Array.isArray(value)) {
    if (value.length > MAX_PARAM_ARRAY_ITEMS) {
      return [{ path: [key], code: 'param_too_many', message: `'${key}' has more than ${MAX_PARAM_ARRAY_ITEMS} items` }]
    }
    return value.flatMap((item: string, i) => stringProblems(key, spec, item, [key, i]))
  }
  return typeof value === 'string' ? stringProblems(key, spec, value, [key]) : []
}

function stringProblems(key: string, spec: ParamSpec, value: string, path: (string | number)[]): ParamProblem[] {
  if (utf8Length(value) > MAX_PARAM_STRING_BYTES) {
    return [{ path, code: 'param_too_long', message: `'${key}' is longer than ${MAX_PARAM_STRING_BYTES} bytes` }]
  }
  let problem: ParamProblem | undefined
  switch (spec.kind) {
    case 'path': {
      const message = pathProblem(value)
      if (message) problem = { path, code: 'path_invalid', message: `'${key}': ${message}` }
      break
    }
    case 'glob':
    case 'path_or_glob': {
      const message = globProblem(value)
      if (message) problem = { path, code: 'glob_invalid', message: `'${key}': ${message}` }
      break
    }
    case 'regex':
    case 'regex_list': {
      const regex = regexProblem(key, value)
      if (regex) problem = { path, ...regex }
      break
    }
  }
  return problem ? [problem] : []
}

/** ASSERTIONS.md §3.13: a known, strong algorithm that agrees with the prefix, and hex of the algorithm's length. */
function fileHashProblems(params: Record<string, unknown>): ParamProblem[] {
  const expected = params.expected_hash
  const requested = params.algorithm as string | undefined
  if (typeof expected !== 'string') return []
  const colon = expected.indexOf(':')
  const prefix = colon >= 0 ? expected.slice(0, colon).toLowerCase() : undefined
  const hex = colon >= 0 ? expected.slice(colon + 1) : expected
  const problems: ParamProblem[] = []
  for (const [key, algorithm] of [
    ['algorithm', requested],
    ['expected_hash', prefix],
  ] as const) {
    if (algorithm !== undefined && HASH_HEX_LENGTHS[algorithm] === undefined) {
      const message = /^(md5|sha-?1)$/i.test(algorithm)
        ? `${algorithm.toLowerCase()} is too weak to prove integrity`
        : `unsupported algorithm '${algorithm}' (use sha256, sha384, sha512, sha3-256 or sha3-512)`
      problems.push({ path: [key], code: 'value_invalid', message })
    }
  }
  if (problems.length > 0) return problems
  if (requested !== undefined && prefix !== undefined && requested !== prefix) {
    return [
      {
        path: ['expected_hash'],
        code: 'value_invalid',
        message: `'expected_hash' prefix '${prefix}' disagrees with 'algorithm' '${requested}'`,
      },
    ]
  }
  const algorithm = requested ?? prefix ?? 'sha256'
  const length = HASH_HEX_LENGTHS[algorithm]!
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) {
    return [
      {
        path: ['expected_hash'],
        code: 'value_invalid',
        message: `'expected_hash' must be ${length} hex characters for ${algorithm}`,
      },
    ]
  }
  return []
}
