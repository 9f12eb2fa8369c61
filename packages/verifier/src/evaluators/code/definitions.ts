import { clip } from '../../checkout/text.js'
import type { Definition } from '../../code/facts.js'
import { display, matchesDefinition, matchesReference, withoutAttributeSuffix } from '../../code/names.js'
import type { Evaluator } from '../../engine/outcome.js'
import {
  ALL_TREES,
  existentialCodeClaim,
  functionsNamed,
  isFacts,
  locationOf,
  name,
  notFoundIn,
  qualifiedName,
  singleFileFacts,
} from './common.js'

export const functionExists: Evaluator = (params, ctx) => {
  const given = name(params.name as string)
  const label = params.name as string
  return existentialCodeClaim(
    'function_exists',
    params,
    ctx,
    [...ALL_TREES, 'c-family', 'shell'],
    ['definitions'],
    (facts, file) => {
      const d = functionsNamed(facts, given)[0]
      return (
        d && { details: `function '${label}' defined at ${file.rel}:${d.at.line}`, locations: [locationOf(file, d.at)] }
      )
    },
    (where) => `function '${label}' not defined in ${where}`,
  )
}

export const classExists: Evaluator = (params, ctx) => {
  const given = name(params.name as string)
  const label = params.name as string
  return existentialCodeClaim(
    'class_exists',
    params,
    ctx,
    [...ALL_TREES, 'c-family'],
    ['definitions'],
    (facts, file) => {
      const d = facts
        .definitions()
        .find((x) => x.kind === 'class' && matchesDefinition(facts.language, given, x.qualified))
      return (
        d && {
          details: `class '${label}' defined at ${file.rel}:${d.at.line} (${d.typeKind ?? 'class'})`,
          locations: [locationOf(file, d.at)],
        }
      )
    },
    (where) => `class '${label}' not defined in ${where}`,
  )
}

const DECORATOR_LANGUAGES = ['python', 'javascript', 'typescript', 'tsx', 'java', 'kotlin', 'csharp'] as const

export const decoratorPresent: Evaluator = async (params, ctx) => {
  const r = await singleFileFacts('decorator_present', params.file as string, ctx, DECORATOR_LANGUAGES, ['definitions'])
  if (!isFacts(r)) return r
  const { file, facts } = r
  const fnLabel = params.function as string
  const csharp = facts.language === 'csharp'
  const norm = (p: string[]) => (csharp ? withoutAttributeSuffix(p) : p)
  const wanted = norm(name(params.decorator as string))
  const wantedLabel = display(wanted)
  const candidates = functionsNamed(facts, name(fnLabel))
  for (const d of candidates) {
    const dec = d.decorators.find((x) => matchesReference(facts.language, wanted, norm(x.path)))
    if (dec) {
      return {
        status: 'pass',
        details: `decorator '${wantedLabel}' on '${qualifiedName(d)}' at ${file.rel}:${dec.at.line}`,
        locations: [locationOf(file, dec.at)],
        examined: [file.rel],
      }
    }
  }
  if (candidates.length === 0) return notFoundIn(ctx, facts, file, `function '${fnLabel}' not defined in ${file.rel}`)
  const d = candidates[0] as Definition
  const has = d.decorators.map((x) => display(x.path))
  return notFoundIn(
    ctx,
    facts,
    file,
    `'${qualifiedName(d)}' (${file.rel}:${d.at.line}) has no decorator '${wantedLabel}'${has.length ? ` (has: ${clip(has.join(', '), 120)})` : ''}`,
    [locationOf(file, d.at)],
  )
}
