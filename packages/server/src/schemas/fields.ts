import { z } from 'zod'

/** Shared request field schemas. Lengths count UTF-8 bytes (PLATFORM.md §0); each carries its contract error code. */
export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8')

export const text = (opts: { min?: number; max: number; code: string; what: string }) =>
  z.string().superRefine((s, ctx) => {
    const n = utf8Length(s)
    if (n > opts.max)
      ctx.addIssue({
        code: 'custom',
        message: `${opts.what} is ${n} bytes; at most ${opts.max} are allowed`,
        params: { code: opts.code },
      })
    else if (n < (opts.min ?? 0))
      ctx.addIssue({
        code: 'custom',
        message:
          (opts.min ?? 0) === 1 ? `${opts.what} must not be empty` : `${opts.what} needs at least ${opts.min} bytes`,
        params: { code: opts.min === 1 ? 'validation_failed' : opts.code },
      })
  })

export const title = (what = 'title') => text({ min: 1, max: 200, code: 'title_too_long', what })
export const description = (what = 'description', max = 2048) =>
  text({ min: 1, max, code: 'description_too_long', what })
export const note = (what: string, max = 2048) => text({ max, code: 'validation_failed', what })

export const LOCAL_KEY = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$/
export const localKey = z
  .string()
  .max(32)
  .regex(LOCAL_KEY, { message: 'must look like CO-01: upper-case letters and digits in dash-separated groups' })

export const limit = z.coerce.number().int().min(1).max(1000).default(100)
export const cursor = z.string().max(200).optional()
export const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional()

/** Server ids: `<prefix>_<ULID>`. A malformed id can only be unknown, so routes answer 404 rather than 422. */
export const SERVER_ID = /^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/
