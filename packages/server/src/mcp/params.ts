import { parseStrictJson } from '@warrant/core'
import { z } from 'zod'

/**
 * An array parameter (PLATFORM.md §6): a JSON array, or a string holding one — agents often serialise nested
 * arguments — and, for lists of ids or names, a comma-separated string.
 */
export function arrayParam<T extends z.ZodArray>(array: T, opts: { commaList?: boolean } = {}) {
  return z
    .union([array, z.string()])
    .transform((value, ctx) => {
      if (typeof value !== 'string') return value
      const text = value.trim()
      if (opts.commaList && !text.startsWith('['))
        return text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      try {
        return parseStrictJson(text)
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not a JSON array: ${(e as Error).message}` })
        return z.NEVER
      }
    })
    .pipe(array)
}

/** An id list: an array of ids, a string holding a JSON array, or `"a,b,c"`. */
export const idList = (what: string) =>
  arrayParam(z.array(z.string().max(40)).max(50), { commaList: true }).describe(
    `${what}: an array of ids, or a comma-separated string`,
  )

export const modelId = z.string().max(40).describe('the model id (mdl_…), from list_models')
export const controlId = z.string().max(40).describe('the control id within the model, e.g. CTRL-07')
export const assertionId = z.string().max(40).describe('the assertion id (asr_…)')
export const limit = z.number().int().min(1).max(1000).optional().describe('page size, 1–1000 (default 100)')
export const cursor = z.string().max(200).optional().describe('next_cursor of the previous page')
