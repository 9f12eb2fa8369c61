import { isValidRepo, MAX_DESCRIPTION_BYTES, normalizeRepo, validateAssertionItem } from '../assertion-input.js'
import { canonicalJson } from '../canonical-json.js'
import { quote } from '../catalogue/params.js'
import { jsonPointer } from '../json/pointer.js'
import { EVIDENCE_LINK_KINDS, IMPLEMENTATION_STATUSES, INTENTS, RISK_TIERS } from '../status/enums.js'
import { KiB, utf8Length } from '../utf8.js'
import {
  ASSET_PROPERTIES,
  type AssertionEntry,
  type Asset,
  type Assumption,
  type Attacker,
  type ControlEntry,
  type ControlObjective,
  type EvidenceLinkEntry,
  type ExistingModel,
  LEVELS,
  MODEL_FILE_FORMAT,
  type ModelFile,
} from './types.js'

/** The field rules of PLATFORM.md §8.2 and §2.2 over a plain JSON value; every error is collected. */
export interface SchemaError {
  path: string
  code: string
  message: string
}

export const MAX_MODEL_CONTROLS = 2000
export const MAX_MODEL_ASSERTIONS = 10_000
export const MAX_MODEL_REPOS = 50
export const MODEL_ID_PATTERN = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$/
export const MAX_MODEL_ID_LENGTH = 32
const ASSERTION_ID_PATTERN = /^asr_[0-9A-HJKMNP-TV-Z]{26}$/
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/
const MAX_TITLE_BYTES = 200
const MAX_MODEL_DESCRIPTION_BYTES = 16 * KiB
const MAX_URL_BYTES = 2 * KiB

type Path = (string | number)[]
type Obj = Record<string, unknown>

/** How a text field is limited: byte maximum and the codes for too long and (when it must not be empty) empty. */
interface TextRule {
  max: number
  tooLong: 'title_too_long' | 'description_too_long'
  empty?: 'validation_failed' | 'description_invalid'
}
const TITLE: TextRule = { max: MAX_TITLE_BYTES, tooLong: 'title_too_long', empty: 'validation_failed' }
const SHORT_TEXT: TextRule = { max: MAX_TITLE_BYTES, tooLong: 'title_too_long' }
const DESCRIPTION: TextRule = {
  max: MAX_DESCRIPTION_BYTES,
  tooLong: 'description_too_long',
  empty: 'description_invalid',
}
const NOTE: TextRule = { max: MAX_DESCRIPTION_BYTES, tooLong: 'description_too_long' }
const MODEL_DESCRIPTION: TextRule = { max: MAX_MODEL_DESCRIPTION_BYTES, tooLong: 'description_too_long' }

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Drops members whose value is undefined, keeping the order of the rest. */
const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

class Checker {
  readonly errors: SchemaError[] = []

  fail(path: Path, code: string, message: string): void {
    this.errors.push({ path: jsonPointer(path), code, message })
  }

  /** A mapping with only the listed members, the required ones present; undefined when it is not a mapping. */
  object(value: unknown, path: Path, what: string, required: string[], optional: string[]): Obj | undefined {
    if (!isObject(value)) {
      this.fail(path, 'validation_failed', `${what} must be a mapping`)
      return undefined
    }
    for (const key of Object.keys(value)) {
      if (!required.includes(key) && !optional.includes(key)) {
        this.fail([...path, key], 'unknown_field', `unknown member '${key}' of ${what}`)
      }
    }
    for (const key of required) {
      if (value[key] === undefined) this.fail([...path, key], 'validation_failed', `'${key}' is required in ${what}`)
    }
    return value
  }

  text(obj: Obj, key: string, path: Path, rule: TextRule): string | undefined {
    const value = obj[key]
    if (value === undefined) return undefined
    if (typeof value !== 'string') {
      this.fail([...path, key], 'validation_failed', `'${key}' must be a string (got ${quote(value)})`)
    } else if (value === '' && rule.empty) {
      this.fail([...path, key], rule.empty, `'${key}' must not be empty`)
    } else if (utf8Length(value) > rule.max) {
      this.fail([...path, key], rule.tooLong, `'${key}' is longer than ${rule.max} bytes`)
    }
    return value as string
  }

  oneOf<T extends string>(obj: Obj, key: string, path: Path, values: readonly T[]): T | undefined {
    const value = obj[key]
    if (value !== undefined && !values.includes(value as T)) {
      this.fail(
        [...path, key],
        'validation_failed',
        `'${key}' must be one of ${values.join(', ')} (got ${quote(value)})`,
      )
    }
    return value as T | undefined
  }

  /** A list; an absent one reads as undefined, a wrong one as []. */
  list(obj: Obj, key: string, path: Path): unknown[] | undefined {
    const value = obj[key]
    if (value === undefined) return undefined
    if (Array.isArray(value)) return value
    this.fail([...path, key], 'validation_failed', `'${key}' must be a list (got ${quote(value)})`)
    return []
  }

  subsetOf<T extends string>(obj: Obj, key: string, path: Path, values: readonly T[]): T[] | undefined {
    const items = this.list(obj, key, path)
    items?.forEach((item, i) => {
      if (!values.includes(item as T)) {
        this.fail(
          [...path, key, i],
          'validation_failed',
          `'${key}' items must be among ${values.join(', ')} (got ${quote(item)})`,
        )
      }
    })
    return items as T[] | undefined
  }

  modelId(obj: Obj, path: Path, seen: Set<string>): string {
    const id = obj.id
    if (typeof id !== 'string' || !MODEL_ID_PATTERN.test(id) || id.length > MAX_MODEL_ID_LENGTH) {
      if (id !== undefined) {
        this.fail(
          [...path, 'id'],
          'validation_failed',
          `'id' must match ${MODEL_ID_PATTERN.source} with at most ${MAX_MODEL_ID_LENGTH} characters, like CO-01 (got ${quote(id)})`,
        )
      }
    } else if (seen.has(id)) this.fail([...path, 'id'], 'id_conflict', `id ${id} is used twice`)
    else seen.add(id)
    return id as string
  }

  /** A reference (or list of references) to ids of another kind, resolved in the file or the stored model. */
  reference(obj: Obj, key: string, path: Path, known: ReadonlySet<string>, kind: string): void {
    const value = obj[key]
    if (typeof value === 'string' && !known.has(value)) {
      this.fail([...path, key], 'reference_unknown', `'${key}' names ${value}, which is not a ${kind} of this model`)
    }
  }

  references(obj: Obj, key: string, path: Path, known: ReadonlySet<string>, kind: string): string[] | undefined {
    const items = this.list(obj, key, path)
    items?.forEach((item, i) => {
      if (typeof item !== 'string') {
        this.fail([...path, key, i], 'validation_failed', `'${key}' items must be ids (got ${quote(item)})`)
      } else if (!known.has(item)) {
        this.fail([...path, key, i], 'reference_unknown', `${item} is not a ${kind} of this model`)
      }
    })
    return items as string[] | undefined
  }
}

/** The ids a list of entities declares (valid or not), so that references may point forward in the file. */
function declaredIds(list: unknown, existing: Iterable<string> = []): Set<string> {
  const ids = new Set(existing)
  if (Array.isArray(list)) for (const e of list) if (isObject(e) && typeof e.id === 'string') ids.add(e.id)
  return ids
}

export function checkModelFile(
  value: unknown,
  existing: ExistingModel = {},
): { ok: true; file: ModelFile } | { ok: false; errors: SchemaError[] } {
  const c = new Checker()
  const root = c.object(
    value,
    [],
    'a model file',
    ['format', 'model'],
    ['revision_note', 'assets', 'attackers', 'assumptions', 'control_objectives', 'controls'],
  )
  if (!root) return { ok: false, errors: c.errors }
  if (root.format !== undefined && root.format !== MODEL_FILE_FORMAT) {
    c.fail(['format'], 'validation_failed', `'format' must be ${MODEL_FILE_FORMAT} (got ${quote(root.format)})`)
  }
  const known = {
    assets: declaredIds(root.assets, existing.assets),
    attackers: declaredIds(root.attackers, existing.attackers),
    objectives: declaredIds(root.control_objectives, existing.control_objectives),
  }
  const entities = <T>(key: string, read: (v: unknown, path: Path, seen: Set<string>) => T): T[] => {
    const seen = new Set<string>()
    return (c.list(root, key, []) ?? []).map((v, i) => read(v, [key, i], seen))
  }

  const model = readModel(c, root.model)
  const revision_note = c.text(root, 'revision_note', [], NOTE)
  const assets = entities('assets', (v, path, seen) => readAsset(c, v, path, seen))
  const attackers = entities('attackers', (v, path, seen) => readAttacker(c, v, path, seen))
  const assumptions = entities('assumptions', (v, path, seen) => readAssumption(c, v, path, seen, known.objectives))
  const control_objectives = entities('control_objectives', (v, path, seen) => readObjective(c, v, path, seen, known))
  const assertionIds = new Set<string>()
  const withAssertions = new Set(existing.controls_with_assertions)
  const controls = entities('controls', (v, path, seen) =>
    readControl(c, v, path, seen, { objectives: known.objectives, assertionIds, withAssertions }),
  )
  if (controls.length > MAX_MODEL_CONTROLS) {
    c.fail(
      ['controls'],
      'model_control_limit',
      `a model has at most ${MAX_MODEL_CONTROLS} controls (got ${controls.length})`,
    )
  }
  const assertionCount = (Array.isArray(root.controls) ? root.controls : []).reduce<number>(
    (n, control) => n + (isObject(control) && Array.isArray(control.assertions) ? control.assertions.length : 0),
    0,
  )
  if (assertionCount > MAX_MODEL_ASSERTIONS) {
    c.fail(
      ['controls'],
      'model_assertion_limit',
      `a model has at most ${MAX_MODEL_ASSERTIONS} assertions (got ${assertionCount})`,
    )
  }
  if (c.errors.length > 0) return { ok: false, errors: c.errors }
  return {
    ok: true,
    file: compact({
      format: MODEL_FILE_FORMAT,
      model: model!,
      revision_note,
      assets: assets as Asset[],
      attackers: attackers as Attacker[],
      assumptions: assumptions as Assumption[],
      control_objectives: control_objectives as ControlObjective[],
      controls: controls as ControlEntry[],
    }),
  }
}

function readModel(c: Checker, value: unknown): ModelFile['model'] | undefined {
  const path = ['model']
  // A missing model is reported as a missing member of the file.
  if (value === undefined) return undefined
  const m = c.object(value, path, "'model'", ['title'], ['description', 'repos'])
  if (!m) return undefined
  const repos = c.list(m, 'repos', path)
  if (repos && repos.length > MAX_MODEL_REPOS) {
    c.fail([...path, 'repos'], 'validation_failed', `a model declares at most ${MAX_MODEL_REPOS} repos`)
  }
  repos?.forEach((repo, i) => {
    if (!isValidRepo(repo)) {
      c.fail([...path, 'repos', i], 'repo_invalid', `repos are owner/name of at most 200 bytes (got ${quote(repo)})`)
    }
  })
  return compact({
    title: c.text(m, 'title', path, TITLE) as string,
    description: c.text(m, 'description', path, MODEL_DESCRIPTION),
    repos: repos?.map((r) => (typeof r === 'string' ? normalizeRepo(r) : (r as string))),
  })
}

function readAsset(c: Checker, value: unknown, path: Path, seen: Set<string>): Asset | undefined {
  const a = c.object(value, path, 'an asset', ['id', 'name'], ['description', 'properties', 'impact', 'notes'])
  if (!a) return undefined
  return compact({
    id: c.modelId(a, path, seen),
    name: c.text(a, 'name', path, TITLE) as string,
    description: c.text(a, 'description', path, NOTE),
    properties: c.subsetOf(a, 'properties', path, ASSET_PROPERTIES),
    impact: c.oneOf(a, 'impact', path, LEVELS),
    notes: c.text(a, 'notes', path, NOTE),
  })
}

function readAttacker(c: Checker, value: unknown, path: Path, seen: Set<string>): Attacker | undefined {
  const a = c.object(value, path, 'an attacker', ['id', 'name'], ['capability', 'position', 'likelihood'])
  if (!a) return undefined
  return compact({
    id: c.modelId(a, path, seen),
    name: c.text(a, 'name', path, TITLE) as string,
    capability: c.text(a, 'capability', path, NOTE),
    position: c.text(a, 'position', path, SHORT_TEXT),
    likelihood: c.oneOf(a, 'likelihood', path, LEVELS),
  })
}

function readAssumption(
  c: Checker,
  value: unknown,
  path: Path,
  seen: Set<string>,
  objectives: ReadonlySet<string>,
): Assumption | undefined {
  const a = c.object(value, path, 'an assumption', ['id', 'description'], ['objective_ids', 'owner', 'review_by'])
  if (!a) return undefined
  const reviewBy = a.review_by
  if (reviewBy !== undefined && !isDate(reviewBy)) {
    c.fail(
      [...path, 'review_by'],
      'validation_failed',
      `'review_by' must be a date YYYY-MM-DD (got ${quote(reviewBy)})`,
    )
  }
  return compact({
    id: c.modelId(a, path, seen),
    description: c.text(a, 'description', path, DESCRIPTION) as string,
    objective_ids: c.references(a, 'objective_ids', path, objectives, 'control objective'),
    owner: c.text(a, 'owner', path, SHORT_TEXT),
    review_by: reviewBy as string | undefined,
  })
}

function isDate(value: unknown): boolean {
  const m = typeof value === 'string' ? DATE_PATTERN.exec(value) : null
  if (!m) return false
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

function readObjective(
  c: Checker,
  value: unknown,
  path: Path,
  seen: Set<string>,
  known: { assets: ReadonlySet<string>; attackers: ReadonlySet<string> },
): ControlObjective | undefined {
  const o = c.object(
    value,
    path,
    'a control objective',
    ['id', 'statement'],
    ['asset_id', 'attacker_id', 'property', 'risk_tier'],
  )
  if (!o) return undefined
  for (const key of ['asset_id', 'attacker_id']) {
    if (o[key] !== undefined && typeof o[key] !== 'string') {
      c.fail([...path, key], 'validation_failed', `'${key}' must be an id (got ${quote(o[key])})`)
    }
  }
  c.reference(o, 'asset_id', path, known.assets, 'asset')
  c.reference(o, 'attacker_id', path, known.attackers, 'attacker')
  return compact({
    id: c.modelId(o, path, seen),
    statement: c.text(o, 'statement', path, DESCRIPTION) as string,
    asset_id: o.asset_id as string | undefined,
    attacker_id: o.attacker_id as string | undefined,
    property: c.oneOf(o, 'property', path, ASSET_PROPERTIES),
    risk_tier: c.oneOf(o, 'risk_tier', path, RISK_TIERS),
  })
}

interface ControlContext {
  objectives: ReadonlySet<string>
  /** Assertion ids seen so far in the file. */
  assertionIds: Set<string>
  withAssertions: ReadonlySet<string>
}

function readControl(
  c: Checker,
  value: unknown,
  path: Path,
  seen: Set<string>,
  ctx: ControlContext,
): ControlEntry | undefined {
  const o = c.object(
    value,
    path,
    'a control',
    ['id', 'title', 'description', 'objective_ids'],
    [
      'intents',
      'implementation_status',
      'implementation_notes',
      'refinement_justification',
      'evidence_links',
      'assertions',
    ],
  )
  if (!o) return undefined
  const id = c.modelId(o, path, seen)
  const objectiveIds = c.references(o, 'objective_ids', path, ctx.objectives, 'control objective')
  if (objectiveIds?.length === 0 && ctx.objectives.size > 0) {
    c.fail([...path, 'objective_ids'], 'validation_failed', "'objective_ids' must name at least one control objective")
  }
  const status = c.oneOf(o, 'implementation_status', path, IMPLEMENTATION_STATUSES)
  const links = (c.list(o, 'evidence_links', path) ?? []).map((v, i) =>
    readEvidenceLink(c, v, [...path, 'evidence_links', i]),
  )
  const items = c.list(o, 'assertions', path) ?? []
  const assertions = readAssertions(c, items, [...path, 'assertions'], ctx.assertionIds)
  if (status === 'implemented' && items.length === 0 && !ctx.withAssertions.has(id)) {
    c.fail(
      [...path, 'implementation_status'],
      'assertions_required',
      'an implemented control needs at least one assertion',
    )
  }
  return compact({
    id,
    title: c.text(o, 'title', path, TITLE) as string,
    description: c.text(o, 'description', path, DESCRIPTION) as string,
    objective_ids: objectiveIds as string[],
    intents: c.subsetOf(o, 'intents', path, INTENTS),
    implementation_status: status,
    implementation_notes: c.text(o, 'implementation_notes', path, NOTE),
    refinement_justification: c.text(o, 'refinement_justification', path, NOTE),
    evidence_links: links as EvidenceLinkEntry[],
    assertions,
  })
}

function readEvidenceLink(c: Checker, value: unknown, path: Path): EvidenceLinkEntry | undefined {
  const l = c.object(value, path, 'an evidence link', ['kind', 'label'], ['url'])
  if (!l) return undefined
  const url = l.url
  if (url !== undefined && !isHttpUrl(url)) {
    c.fail([...path, 'url'], 'url_invalid', `'url' must be an http or https URL of at most ${MAX_URL_BYTES} bytes`)
  }
  return compact({
    kind: c.oneOf(l, 'kind', path, EVIDENCE_LINK_KINDS)!,
    label: c.text(l, 'label', path, TITLE) as string,
    url: url as string | undefined,
  })
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || utf8Length(value) > MAX_URL_BYTES) return false
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** Each item as in §5.11, plus the export-only `id`; two equal items of one control are refused as in a submit. */
function readAssertions(c: Checker, items: unknown[], path: Path, assertionIds: Set<string>): AssertionEntry[] {
  const contents = new Set<string>()
  const out: AssertionEntry[] = []
  items.forEach((item, i) => {
    const itemPath = [...path, i]
    const { id, ...rest } = isObject(item) ? item : { id: undefined }
    if (id !== undefined) {
      if (typeof id !== 'string' || !ASSERTION_ID_PATTERN.test(id)) {
        c.fail([...itemPath, 'id'], 'validation_failed', `'id' must be an assertion id asr_<ULID> (got ${quote(id)})`)
      } else if (assertionIds.has(id)) c.fail([...itemPath, 'id'], 'id_conflict', `assertion ${id} appears twice`)
      else assertionIds.add(id)
    }
    const checked = validateAssertionItem(isObject(item) ? rest : item)
    if (!checked.ok) {
      for (const e of checked.errors) c.errors.push({ ...e, path: jsonPointer(itemPath) + e.path })
      return
    }
    const content = canonicalJson(checked.value)
    if (contents.has(content)) {
      c.fail(
        itemPath,
        'duplicate_assertion',
        'an equal assertion (type, params, description, repo) comes earlier in this control',
      )
    }
    contents.add(content)
    out.push(compact({ id: id as string | undefined, ...checked.value }))
  })
  return out
}
