import { type KeySegment, type Location, parseKeyPath } from '@warrant/core'
import { clip } from '../checkout/text.js'
import { type LoadedConfig, loadConfig } from '../config/load.js'
import { type Entry, flatKeyPath, resolveKey, type ScalarNode } from '../config/model.js'
import {
  type ExactNumber,
  type Operator,
  parseDecimal,
  parseNumberLiteral,
  parseValueParam,
  satisfies,
} from '../config/numbers.js'
import { type EvalContext, type Evaluator, error, fail, type Outcome, pass } from '../engine/outcome.js'
import { compileUserRegex } from '../regex/safe-regex.js'

/** An entry a key path reached, with the 1-based document it is in. */
interface Hit extends Entry {
  document: number
}

/** The config file's documents and every entry the key reaches, or the outcome that ends the evaluation. */
async function findKey(
  params: Record<string, unknown>,
  ctx: EvalContext,
): Promise<{ ok: true; config: LoadedConfig; hits: Hit[] } | { ok: false; outcome: Outcome }> {
  const path = parseKeyPath(params.key as string)
  if (!path) return { ok: false, outcome: error(`invalid params: 'key' must be a key path like a.b[0]."c.d"`) }
  const config = await loadConfig(ctx, params.file as string)
  if (!config.ok) return config
  const segments: KeySegment[] = config.documents.flatKeys ? flatKeyPath(path) : path
  const hits = config.documents.documents.flatMap((root, i) =>
    resolveKey(root, segments).map((e) => ({ ...e, document: i + 1 })),
  )
  return { ok: true, config, hits }
}

const isMultiDocument = (config: LoadedConfig) => config.documents.documents.length > 1

const location = (config: LoadedConfig, line: number): Location => ({
  file: config.rel,
  line,
  snippet: config.file.index.snippet(line),
})

function notFound(key: string, config: LoadedConfig): Outcome {
  const count = config.documents.documents.length
  const documents = isMultiDocument(config) ? ` (${count} documents)` : ''
  return fail(`key '${shown(key)}' not found in ${config.rel}${documents}`, { examined: [config.rel] })
}

/** A key or pattern in details: one line (line breaks written `\n`). */
const shown = (s: string) => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n')

/** §3.8: the key is present — also with a null or empty value. */
export const configKeyExists: Evaluator = async (params, ctx) => {
  const key = params.key as string
  const found = await findKey(params, ctx)
  if (!found.ok) return found.outcome
  const { config, hits } = found
  const first = hits[0]
  if (!first) return notFound(key, config)
  const where = isMultiDocument(config) ? `document ${first.document}, line ${first.line}` : `line ${first.line}`
  return pass(`key '${shown(key)}' present in ${config.rel} (${where})`, {
    examined: [config.rel],
    locations: hits.map((h) => location(config, h.line)),
  })
}

/** One value the claim is checked against: a scalar, a list element or a repeated XML element. */
interface Candidate {
  node: ScalarNode
  line: number
}

/** Flattens the entries the key reached into scalar candidates, or explains why they are not scalars. */
function candidatesOf(key: string, hits: readonly Hit[]): { candidates: Candidate[]; listed: boolean } | Outcome {
  const candidates: Candidate[] = []
  let listed = false
  const notScalar = () => error(`'${shown(key)}' is not a scalar or list of scalars`)
  for (const hit of hits) {
    const node = hit.node
    if (node.kind === 'scalar') candidates.push({ node, line: hit.line })
    else if (node.kind === 'map') return notScalar()
    else {
      if (!node.repeated || node.items.length > 1) listed = true
      for (const item of node.items) {
        if (item.node.kind !== 'scalar') return notScalar()
        candidates.push({ node: item.node, line: item.line })
      }
    }
  }
  return { candidates, listed: listed || candidates.length > 1 }
}

/** A rendered value in details: strings quoted, other scalars as rendered, at most 200 characters of content. */
function displayValue(node: ScalarNode): string {
  return node.type === 'string' ? JSON.stringify(clip(node.text, 200)) : shown(clip(node.text, 200))
}

/** The test a candidate must pass, with the words the details use. */
interface ValueTest {
  /** e.g. `^https://` or `<= 3600` */
  against: string
  verb: { pass: string; fail: string; plural: string }
  check(node: ScalarNode): boolean
}

function patternTest(pattern: string): ValueTest | Outcome {
  const compiled = compileUserRegex('pattern', pattern)
  if (!compiled.ok) return error(compiled.message)
  return {
    against: shown(pattern),
    verb: { pass: 'matches', fail: 'does not match', plural: 'match' },
    check: (node) => compiled.regex.find(node.text) !== undefined,
  }
}

/** The number a candidate stands for: a number in the file, or a numeric string (§3.9). */
function numericValue(node: ScalarNode): ExactNumber | undefined {
  if (node.type === 'number') return parseNumberLiteral(node.text)
  if (node.type === 'string') return parseDecimal(node.text.trim())
  return undefined
}

function comparisonTest(operator: Operator, value: number | string): ValueTest | Outcome {
  const right = parseValueParam(value)
  if (!right) return error(`invalid params: 'value' must be a number or numeric string (got ${JSON.stringify(value)})`)
  return {
    against: `${operator} ${String(value)}`,
    verb: { pass: 'satisfies', fail: 'does not satisfy', plural: 'satisfy' },
    check: (node) => satisfies(numericValue(node)!, operator, right),
  }
}

const isOutcome = (x: object): x is Outcome => 'status' in x

/** §3.9: the value at the key matches a regex, or compares numerically with a number. */
export const configValueMatches: Evaluator = async (params, ctx) => {
  const key = params.key as string
  const test =
    typeof params.pattern === 'string'
      ? patternTest(params.pattern)
      : comparisonTest(params.operator as Operator, params.value as number | string)
  if (isOutcome(test)) return test
  const found = await findKey(params, ctx)
  if (!found.ok) return found.outcome
  const { config, hits } = found
  if (hits.length === 0) return notFound(key, config)
  const examined = [config.rel]
  const flattened = candidatesOf(key, hits)
  if (isOutcome(flattened)) return { ...flattened, examined, locations: hits.map((h) => location(config, h.line)) }
  const { candidates, listed } = flattened
  if (candidates.length === 0)
    return fail(`'${shown(key)}' is an empty list`, { examined, locations: hits.map((h) => location(config, h.line)) })
  if (typeof params.pattern !== 'string') {
    const nonNumeric = candidates.find((c) => numericValue(c.node) === undefined)
    if (nonNumeric) {
      return error(`value of '${shown(key)}' is not numeric: ${displayValue(nonNumeric.node)}`, {
        examined,
        locations: [location(config, nonNumeric.line)],
      })
    }
  }
  return judge({ key: shown(key), config, test, candidates, listed, all: params.match === 'all' })
}

interface Judgement {
  key: string
  config: LoadedConfig
  test: ValueTest
  candidates: readonly Candidate[]
  /** The value is a list (or several documents or elements): details name `[i of n]`. */
  listed: boolean
  all: boolean
}

/** Combines the candidates (`match: any|all`) into the outcome and its details. */
function judge({ key, config, test, candidates, listed, all }: Judgement): Outcome {
  const examined = [config.rel]
  const results = candidates.map((c) => test.check(c.node))
  const at = (cs: readonly Candidate[]) => cs.map((c) => location(config, c.line))
  const n = candidates.length
  const one = (i: number, verb: string) => {
    const c = candidates[i]!
    return listed
      ? `'${key}' [${i + 1} of ${n}] ${displayValue(c.node)} ${verb} ${test.against}`
      : `'${key}' = ${displayValue(c.node)} ${verb} ${test.against} (${config.rel}:${c.line})`
  }
  const failing = candidates.filter((_, i) => !results[i])
  if (all) {
    const firstFailing = results.indexOf(false)
    if (firstFailing < 0) {
      const details = listed
        ? `all ${n} values of '${key}' ${test.verb.plural} ${test.against}`
        : one(0, test.verb.pass)
      return pass(details, { examined, locations: at(candidates) })
    }
    return fail(one(firstFailing, test.verb.fail), { examined, locations: at(failing) })
  }
  const firstPassing = results.indexOf(true)
  if (firstPassing >= 0) {
    return pass(one(firstPassing, test.verb.pass), { examined, locations: at([candidates[firstPassing]!]) })
  }
  const details = listed
    ? `none of the ${n} values of '${key}' ${test.verb.plural} ${test.against}`
    : one(0, test.verb.fail)
  return fail(details, { examined, locations: at(failing) })
}
