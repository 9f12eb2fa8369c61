import type { FastifySchemaCompiler } from 'fastify'
import type { z } from 'zod'
import { type FieldError, validationError } from '../errors.js'

/** A request part that failed its zod schema; the error handler turns it into a 422 with every issue. */
export class RequestValidationError extends Error {
  constructor(
    readonly part: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(`request ${part} is invalid`)
  }
}

export const pointer = (path: readonly PropertyKey[]): string =>
  path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')

/** Maps zod issues to field errors with contract codes (`unknown_field`, codes carried in `params.code`). */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], prefix = ''): FieldError[] {
  const out: FieldError[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({
          path: prefix + pointer([...issue.path, key]),
          code: 'unknown_field',
          message: `'${key}' is not a member of this request`,
        })
      continue
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push(...fieldErrors(issue.errors.flat(), prefix))
      continue
    }
    const code = (issue as { params?: { code?: string } }).params?.code ?? 'validation_failed'
    out.push({ path: prefix + pointer(issue.path), code, message: issue.message })
  }
  return out
}

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data)
    if (result.success) return { value: result.data }
    return { error: new RequestValidationError(httpPart ?? 'body', result.error.issues) }
  }

export const toApiError = (e: RequestValidationError) =>
  validationError(fieldErrors(e.issues, e.part === 'body' ? '' : `#${e.part === 'querystring' ? 'query' : e.part}`))
