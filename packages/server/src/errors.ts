/** A field-level problem inside a 422 answer (`details.errors[]`, PLATFORM.md §5.1). */
export interface FieldError {
  path: string
  code: string
  message: string
  line?: number | null
  column?: number | null
}

/** An error answered with the contract's body `{error: {code, status, message, details, request_id}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

export const notFound = (what = 'resource') => new ApiError(404, 'not_found', `${what} not found`)

/** A 422 carrying every field error; the top code is the errors' common code, else `validation_failed`. */
export function validationError(errors: FieldError[], code?: string): ApiError {
  const codes = new Set(errors.map((e) => e.code))
  const top = code ?? (codes.size === 1 ? [...codes][0]! : 'validation_failed')
  const first = errors[0]
  const message =
    errors.length === 1 && first
      ? `${first.path || '/'}: ${first.message}`
      : `${errors.length} problems in the request; see details.errors`
  return new ApiError(422, top, message, { errors })
}
