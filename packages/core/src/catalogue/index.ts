import { z } from 'zod'
import { jsonTypeOf, type ParamSpec, paramSchema } from './params.js'
import { type CrossRule, TYPE_DEFINITIONS, type TypeDefinition } from './types.js'

export { type KeySegment, NUMERIC_STRING, type ParamSpec, parseKeyPath, splitName } from './params.js'
export { closingBrace, topLevelAlternatives } from './path-rules.js'
export { refusedConstruct } from './regex-rules.js'
export type { CrossRule, GlobCombination, TypeDefinition } from './types.js'

const present = (params: Record<string, unknown>, key: string) => params[key] !== undefined

/** A cross-field problem with its PLATFORM.md §5.11 code and the param it is about (absent for an either-or). */
export interface CrossRuleProblem {
  message: string
  code: 'param_missing' | 'value_invalid'
  param?: string
}

const missing = (message: string, param?: string): CrossRuleProblem => ({
  message,
  code: 'param_missing',
  ...(param !== undefined ? { param } : {}),
})
const conflict = (message: string, param: string): CrossRuleProblem => ({ message, code: 'value_invalid', param })

function crossRuleProblem(rule: CrossRule, params: Record<string, unknown>): CrossRuleProblem | undefined {
  switch (rule.rule) {
    case 'exactly_one': {
      const [a, b] = rule.keys
      if (present(params, a) && present(params, b)) return conflict(`'${a}' and '${b}' are mutually exclusive`, b)
      if (!present(params, a) && !present(params, b)) return missing(`'${a}' or '${b}' is required`)
      return undefined
    }
    case 'exclusive': {
      const [a, b] = rule.keys
      return present(params, a) && present(params, b)
        ? conflict(`'${a}' and '${b}' are mutually exclusive`, b)
        : undefined
    }
    case 'requires':
      return present(params, rule.key) && !present(params, rule.requires)
        ? missing(`'${rule.key}' requires '${rule.requires}'`, rule.requires)
        : undefined
    case 'only_with': {
      if (!present(params, rule.key)) return undefined
      const others = Object.keys(params).filter((k) => k !== rule.key && !rule.allowed.includes(k))
      return others.length > 0
        ? conflict(`'${others[0]}' cannot be combined with '${rule.key}'`, others[0]!)
        : undefined
    }
    case 'one_of_with': {
      const [a, b] = rule.choices
      if (present(params, a) && present(params, b)) return conflict(`'${a}' and '${b}' are mutually exclusive`, b)
      if (!present(params, a) && !present(params, b)) return missing(`'${a}' or '${b}' is required`)
      if (present(params, b) && !present(params, rule.requiredWith))
        return missing(`'${rule.requiredWith}' is required with '${b}'`, rule.requiredWith)
      if (!present(params, b) && present(params, rule.requiredWith))
        return missing(`'${rule.requiredWith}' requires '${b}'`, b)
      return undefined
    }
  }
}

/** One assertion type with its zod schema, built once from the definition. */
export interface CatalogueEntry extends TypeDefinition {
  schema: z.ZodType<Record<string, unknown>>
}

function buildSchema(def: TypeDefinition): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {}
  for (const [key, spec] of Object.entries(def.params)) {
    const s = paramSchema(key, spec)
    shape[key] = spec.required ? s : s.optional()
  }
  return z
    .strictObject(shape, {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? iss.keys.map((k) => `'${k}' is not a parameter of ${def.name}`).join('; ')
          : 'params must be a JSON object',
    })
    .superRefine((params, ctx) => {
      for (const rule of def.rules) {
        const problem = crossRuleProblem(rule, params)
        // The code and param ride along for validateParamsDetailed; validateParams reads only the message.
        if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: problem })
      }
    }) as unknown as z.ZodType<Record<string, unknown>>
}

export const CATALOGUE: ReadonlyMap<string, CatalogueEntry> = new Map(
  TYPE_DEFINITIONS.map((def) => [def.name, { ...def, schema: buildSchema(def) }]),
)

export type ParamValidation = { ok: true; params: Record<string, unknown> } | { ok: false; problems: string[] }

/** Validates params against a type's schema (ASSERTIONS.md §2.8) and applies defaults after validation. */
export function validateParams(entry: CatalogueEntry, params: unknown): ParamValidation {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { ok: false, problems: ['params must be a JSON object'] }
  }
  const parsed = entry.schema.safeParse(params)
  if (!parsed.success) {
    const problems = [...new Set(parsed.error.issues.map((i) => i.message))]
    return { ok: false, problems }
  }
  return { ok: true, params: applyDefaults(entry, parsed.data) }
}

/** Fills in the defaults of params that were not given (after validation). */
export function applyDefaults(entry: CatalogueEntry, params: Record<string, unknown>): Record<string, unknown> {
  const withDefaults: Record<string, unknown> = { ...params }
  for (const [key, spec] of Object.entries(entry.params)) {
    if (withDefaults[key] === undefined && spec.default !== undefined) withDefaults[key] = spec.default
  }
  return withDefaults
}

/** The catalogue as plain data (for `warrant types --output json`, the server, MCP and UI). */
export function catalogueData() {
  return [...CATALOGUE.values()].map((e) => ({
    name: e.name,
    claim: e.claim,
    description: e.description,
    over_globs: e.glob,
    params: Object.fromEntries(
      Object.entries(e.params).map(([k, p]: [string, ParamSpec]) => [
        k,
        {
          type: jsonTypeOf(p),
          required: p.required === true,
          ...(p.default !== undefined ? { default: p.default } : {}),
          description: p.description,
        },
      ]),
    ),
    rules: e.rules,
    example: { type: e.name, params: e.example },
    json_schema: z.toJSONSchema(e.schema, { io: 'input', unrepresentable: 'any' }),
    proves: e.proves ?? '*',
    tier2_template: e.tier2,
  }))
}
