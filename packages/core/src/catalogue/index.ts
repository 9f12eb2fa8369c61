import { z } from 'zod'
import { jsonTypeOf, type ParamSpec, paramSchema } from './params.js'
import { type CrossRule, TYPE_DEFINITIONS, type TypeDefinition } from './types.js'

export { type KeySegment, NUMERIC_STRING, type ParamSpec, parseKeyPath, splitName } from './params.js'
export type { CrossRule, GlobCombination, TypeDefinition } from './types.js'

const present = (params: Record<string, unknown>, key: string) => params[key] !== undefined

function crossRuleProblem(rule: CrossRule, params: Record<string, unknown>): string | undefined {
  switch (rule.rule) {
    case 'exactly_one': {
      const [a, b] = rule.keys
      if (present(params, a) && present(params, b)) return `'${a}' and '${b}' are mutually exclusive`
      if (!present(params, a) && !present(params, b)) return `'${a}' or '${b}' is required`
      return undefined
    }
    case 'exclusive': {
      const [a, b] = rule.keys
      return present(params, a) && present(params, b) ? `'${a}' and '${b}' are mutually exclusive` : undefined
    }
    case 'requires':
      return present(params, rule.key) && !present(params, rule.requires)
        ? `'${rule.key}' requires '${rule.requires}'`
        : undefined
    case 'only_with': {
      if (!present(params, rule.key)) return undefined
      const others = Object.keys(params).filter((k) => k !== rule.key && !rule.allowed.includes(k))
      return others.length > 0 ? `'${others[0]}' cannot be combined with '${rule.key}'` : undefined
    }
    case 'one_of_with': {
      const [a, b] = rule.choices
      if (present(params, a) && present(params, b)) return `'${a}' and '${b}' are mutually exclusive`
      if (!present(params, a) && !present(params, b)) return `'${a}' or '${b}' is required`
      if (present(params, b) && !present(params, rule.requiredWith))
        return `'${rule.requiredWith}' is required with '${b}'`
      if (!present(params, b) && present(params, rule.requiredWith)) return `'${rule.requiredWith}' requires '${b}'`
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
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
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
  const withDefaults: Record<string, unknown> = { ...parsed.data }
  for (const [key, spec] of Object.entries(entry.params)) {
    if (withDefaults[key] === undefined && spec.default !== undefined) withDefaults[key] = spec.default
  }
  return { ok: true, params: withDefaults }
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
    tier2_template: e.tier2,
  }))
}
