import { validateParamsDetailed } from './catalogue/detailed.js'
import { CATALOGUE } from './catalogue/index.js'
import { quote } from './catalogue/params.js'
import { jsonPointer } from './json/pointer.js'
import { KiB, utf8Length } from './utf8.js'

/** One validation error of a submitted item (PLATFORM.md §5.1 `details.errors[]`). */
export interface FieldError {
  /** JSON Pointer relative to the item, e.g. `/params/pattern`. */
  path: string
  code: string
  message: string
}

export interface AssertionInput {
  type: string
  /** With the catalogue's defaults applied. */
  params: Record<string, unknown>
  description: string
  /** Lower case; null = untagged. */
  repo: string | null
}

/** PLATFORM.md §0. */
export const REPO_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/
export const MAX_REPO_BYTES = 200
export const MAX_DESCRIPTION_BYTES = 2 * KiB

/** Repos are stored and compared in lower case. */
export function normalizeRepo(repo: string): string {
  return repo.toLowerCase()
}

/** A repo tag: a non-empty repo string of at most 200 bytes (`""` is not a tag). */
export function isValidRepo(repo: unknown): repo is string {
  return typeof repo === 'string' && REPO_PATTERN.test(repo) && utf8Length(repo) <= MAX_REPO_BYTES
}

const ITEM_MEMBERS = new Set(['type', 'params', 'description', 'repo'])

/**
 * Validates one submitted assertion `{type, params, description, repo?}` against the catalogue and the generic rules
 * of PLATFORM.md §5.11, reporting every problem. `params` may be omitted (ASSERTIONS.md §1.1: default `{}`).
 */
export function validateAssertionItem(
  item: unknown,
): { ok: true; value: AssertionInput } | { ok: false; errors: FieldError[] } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return {
      ok: false,
      errors: [{ path: '', code: 'validation_failed', message: 'an assertion must be a JSON object' }],
    }
  }
  const given = item as Record<string, unknown>
  const errors: FieldError[] = []
  for (const key of Object.keys(given)) {
    if (!ITEM_MEMBERS.has(key)) {
      errors.push({
        path: jsonPointer([key]),
        code: 'unknown_field',
        message: `'${key}' is not a member of an assertion`,
      })
    }
  }

  const { type, description, repo } = given
  let params: Record<string, unknown> = {}
  const entry = typeof type === 'string' ? CATALOGUE.get(type) : undefined
  if (!entry) {
    const message = type === undefined ? "'type' is required" : `unknown assertion type ${quote(type)}`
    errors.push({ path: '/type', code: 'unknown_assertion_type', message })
  } else {
    const validation = validateParamsDetailed(entry, given.params ?? {})
    if (validation.ok) params = validation.params
    else {
      for (const p of validation.problems) {
        errors.push({ path: jsonPointer(['params', ...p.path]), code: p.code, message: p.message })
      }
    }
  }

  if (typeof description !== 'string' || description === '') {
    errors.push({
      path: '/description',
      code: 'description_invalid',
      message: "'description' must be a non-empty string",
    })
  } else if (utf8Length(description) > MAX_DESCRIPTION_BYTES) {
    errors.push({
      path: '/description',
      code: 'description_too_long',
      message: `'description' is longer than ${MAX_DESCRIPTION_BYTES} bytes`,
    })
  }

  if (repo !== undefined && repo !== null && !isValidRepo(repo)) {
    errors.push({
      path: '/repo',
      code: 'repo_invalid',
      message: `'repo' must be null or a repo like owner/name of at most ${MAX_REPO_BYTES} bytes (got ${quote(repo)})`,
    })
  }

  if (errors.length > 0) return { ok: false, errors }
  return {
    ok: true,
    value: {
      type: type as string,
      params,
      description: description as string,
      repo: typeof repo === 'string' ? normalizeRepo(repo) : null,
    },
  }
}
