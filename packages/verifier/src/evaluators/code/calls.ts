import type { Location } from '@warrant/core'
import { clip } from '../../checkout/text.js'
import { display, matchesReference } from '../../code/names.js'
import type { Evaluator, Outcome } from '../../engine/outcome.js'
import { ALL_TREES, functionsNamed, isFacts, locationOf, name, notFoundIn, singleFileFacts } from './common.js'
import { pydanticModel } from './pydantic.js'

export const functionCalls: Evaluator = async (params, ctx) => {
  const r = await singleFileFacts('function_calls', params.file as string, ctx, ALL_TREES, ['definitions', 'calls'])
  if (!isFacts(r)) return r
  const { file, facts } = r
  const caller = params.caller as string
  const callee = name(params.callee as string)
  const calleeLabel = params.callee as string
  const candidates = functionsNamed(facts, name(caller))
  if (candidates.length === 0) return notFoundIn(ctx, facts, file, `caller '${caller}' not defined in ${file.rel}`)
  for (const d of candidates) {
    const call = facts.calls().find((c) => c.scopes.includes(d.id) && matchesReference(facts.language, callee, c.path))
    if (call) {
      return {
        status: 'pass',
        details: `'${caller}' calls '${calleeLabel}' at ${file.rel}:${call.at.line}`,
        locations: [locationOf(file, call.at)],
        examined: [file.rel],
      }
    }
  }
  const d = candidates[0]!
  return notFoundIn(ctx, facts, file, `'${caller}' (${file.rel}:${d.at.line}) does not call '${calleeLabel}'`, [
    locationOf(file, d.at),
  ])
}

const VALIDATOR_WORDS = ['validate', 'check', 'sanitize', 'verify', 'assert', 'ensure', 'parse', 'clean']
const isValidatorPath = (path: string[]) => {
  const lower = path.join('.').toLowerCase()
  return VALIDATOR_WORDS.some((w) => lower.includes(w))
}

export const parameterValidated: Evaluator = async (params, ctx) => {
  const r = await singleFileFacts('parameter_validated', params.file as string, ctx, ALL_TREES, [
    'definitions',
    'guards',
    'calls',
    'imports',
  ])
  if (!isFacts(r)) return r
  const { file, facts } = r
  const fn = params.function as string
  const parameter = params.parameter as string
  const candidates = functionsNamed(facts, name(fn))
  if (candidates.length === 0) return notFoundIn(ctx, facts, file, `function '${fn}' not defined in ${file.rel}`)
  const declaring = candidates.filter((d) => d.params.some((p) => p.name === parameter))
  if (declaring.length === 0) {
    return notFoundIn(ctx, facts, file, `'${fn}' has no parameter '${parameter}'`, [
      locationOf(file, candidates[0]!.at),
    ])
  }
  const examined = [file.rel]
  const validated = (by: string, location: Location): Outcome => ({
    status: 'pass',
    details: `'${parameter}' of '${fn}' validated by ${by} at ${file.rel}:${location.line}`,
    locations: [location],
    examined,
  })
  for (const d of declaring) {
    const p = d.params.find((x) => x.name === parameter)!
    const guard = facts.guards().find((g) => g.scopes.includes(d.id) && g.identifiers.includes(parameter))
    if (guard) return validated(guard.kind, locationOf(file, guard.at))
    const call = facts
      .calls()
      .find(
        (c) =>
          c.scopes.includes(d.id) &&
          isValidatorPath(c.path) &&
          (c.argIdentifiers.includes(parameter) || c.receiverIdentifiers.includes(parameter)),
      )
    if (call) return validated(`call '${display(call.path)}'`, locationOf(file, call.at))
    if (p.declarativeValidation) return validated(p.declarativeValidation, locationOf(file, p.at))
    if (facts.language === 'python' && p.annotation) {
      const resolved = await pydanticModel(ctx, file, facts, p.annotation)
      examined.push(...resolved.examined)
      if (resolved.model) {
        return validated(`annotation '${display(p.annotation)}' (Pydantic model)`, locationOf(file, p.at))
      }
    }
  }
  const d = declaring[0]!
  const notValidated = await notFoundIn(
    ctx,
    facts,
    file,
    `'${parameter}' of '${fn}' (${file.rel}:${d.at.line}) is not validated`,
    [locationOf(file, d.at)],
  )
  return { ...notValidated, examined }
}

export const errorHandled: Evaluator = async (params, ctx) => {
  const r = await singleFileFacts('error_handled', params.file as string, ctx, ALL_TREES, [
    'definitions',
    'errorHandlers',
  ])
  if (!isFacts(r)) return r
  const { file, facts } = r
  const fn = params.function as string
  const exception = params.exception as string | undefined
  const candidates = functionsNamed(facts, name(fn))
  if (candidates.length === 0) return notFoundIn(ctx, facts, file, `function '${fn}' not defined in ${file.rel}`)
  const wanted = exception ? name(exception) : undefined
  const handlersOf = (id: number) => facts.errorHandlers().filter((h) => h.scopes.includes(id))
  for (const d of candidates) {
    const handler = handlersOf(d.id).find((h) =>
      wanted ? h.types.some((t) => matchesReference(facts.language, wanted, t)) : !h.namesTypeOnly,
    )
    if (handler) {
      const what = exception ? `'${exception}'` : 'errors'
      return {
        status: 'pass',
        details: `'${fn}' handles ${what} at ${file.rel}:${handler.at.line} (${handler.label})`,
        locations: [locationOf(file, handler.at)],
        examined: [file.rel],
      }
    }
  }
  const d = candidates[0]!
  const seen = handlersOf(d.id)
    .filter((h) => !h.namesTypeOnly)
    .map((h) => [h.label, ...(h.types.length ? [h.types.map(display).join(', ')] : [])].join(' '))
  const details = exception
    ? `'${fn}' (${file.rel}:${d.at.line}) has no handler naming '${exception}'${seen.length ? ` (handlers: ${clip(seen.join('; '), 120)})` : ''}`
    : `'${fn}' (${file.rel}:${d.at.line}) has no error handler`
  return notFoundIn(ctx, facts, file, details, [locationOf(file, d.at)])
}
