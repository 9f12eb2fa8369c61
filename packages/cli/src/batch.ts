import type { Assertion } from '@warrant/core'
import { JsonSyntaxError, parseJsonTree } from '@warrant/verifier'
import { type Document, isAlias, isMap, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml'

/** A batch entry with its final id and its position in the batch file. */
export interface BatchEntry extends Assertion {
  id: string
  params: Record<string, unknown>
  control?: string
  line: number
  column: number
}

/** An input error (§5.1): the command stops with exit code 2 before anything is evaluated. */
export class InputError extends Error {}

const ASSERTION_MEMBERS = new Set(['id', 'type', 'params', 'description', 'repo'])
/** The top-level members of a model file (PLATFORM.md §8.2); the CLI reads only `controls`. */
const MODEL_MEMBERS = new Set([
  'format',
  'model',
  'revision_note',
  'assets',
  'attackers',
  'assumptions',
  'control_objectives',
  'controls',
])
const ID = /^[A-Za-z0-9._:-]{1,64}$/

/** Reads a batch or model file (§5.1). `json` parses strictly as JSON first; YAML 1.2 otherwise. */
export function parseBatch(text: string, opts: { json: boolean; name: string }): BatchEntry[] {
  if (opts.json) {
    try {
      parseJsonTree(text.replace(/^\uFEFF/, ''))
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e
      const before = text.slice(0, e.offset)
      const line = before.split('\n').length
      throw new InputError(`${opts.name}:${line}:${e.offset - before.lastIndexOf('\n')}: invalid JSON: ${e.message}`)
    }
  }
  const lines = new LineCounter()
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter: lines, uniqueKeys: true, prettyErrors: false })
  const pos = (node: Node | null | undefined) => {
    const offset = node?.range?.[0] ?? 0
    const p = lines.linePos(offset)
    return { line: p.line, column: p.col }
  }
  const where = (node: Node | null | undefined) => {
    const p = pos(node)
    return `${opts.name}:${p.line}:${p.column}`
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const p = lines.linePos(e.pos[0])
    throw new InputError(`${opts.name}:${p.line}:${p.col}: ${e.message.split('\n')[0]}`)
  }
  const root = doc.contents
  const entries: { node: Node; path: string; control?: string }[] = []
  if (isSeq(root)) {
    for (const [i, n] of root.items.entries()) entries.push({ node: n as Node, path: `[${i}]` })
  } else if (isMap(root) && root.has('format')) {
    const format = root.toJS(doc) as { format?: unknown }
    if (format.format !== 'warrant.model/v1') {
      throw new InputError(
        `${where(root)}: unknown format ${JSON.stringify(format.format)} (expected warrant.model/v1)`,
      )
    }
    const unknown = Object.keys(format).find((k) => !MODEL_MEMBERS.has(k))
    if (unknown !== undefined) {
      throw new InputError(`${where(root)}: unknown member '${unknown}' of a warrant.model/v1 file (PLATFORM.md §8.2)`)
    }
    collectModelAssertions(root, entries, where)
  } else if (isMap(root)) {
    const keys = root.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key))
    const other = keys.find((k) => k !== 'assertions')
    if (other !== undefined || !isSeq(root.get('assertions', true))) {
      throw new InputError(
        `${where(root)}: expected {"assertions": [...]}, a list of assertions, or a model file${other ? ` (unknown member '${other}')` : ''}`,
      )
    }
    const seq = root.get('assertions', true) as unknown as { items: Node[] }
    for (const [i, n] of seq.items.entries()) entries.push({ node: n, path: `assertions[${i}]` })
  } else {
    throw new InputError(`${where(root)}: expected {"assertions": [...]}, a list of assertions, or a model file`)
  }
  return toEntries(doc, entries, where, pos)
}

function collectModelAssertions(
  root: YAMLMap,
  out: { node: Node; path: string; control?: string }[],
  where: (n: Node | null | undefined) => string,
): void {
  const controls = root.get('controls', true)
  if (controls === undefined) return
  if (!isSeq(controls)) throw new InputError(`${where(controls as Node)}: 'controls' must be a list`)
  controls.items.forEach((c, ci) => {
    if (!isMap(c)) throw new InputError(`${where(c as Node)}: controls[${ci}] must be a mapping`)
    const control = c.get('id')
    const assertions = c.get('assertions', true)
    if (assertions === undefined) return
    if (!isSeq(assertions))
      throw new InputError(`${where(assertions as Node)}: controls[${ci}].assertions must be a list`)
    for (const [ai, a] of assertions.items.entries()) {
      out.push({
        node: a as Node,
        path: `controls[${ci}].assertions[${ai}]`,
        ...(typeof control === 'string' ? { control } : {}),
      })
    }
  })
}

function toEntries(
  doc: Document,
  raw: { node: Node; path: string; control?: string }[],
  where: (n: Node | null | undefined) => string,
  pos: (n: Node | null | undefined) => { line: number; column: number },
): BatchEntry[] {
  const given = new Set<string>()
  const entries = raw.map(({ node: written, path, control }) => {
    const at = `${where(written)}: ${path}`
    const node = isAlias(written) ? written.resolve(doc) : written
    if (!isMap(node)) throw new InputError(`${at}: must be an object`)
    // Converted in the document's context so that anchors and aliases resolve (bounded expansion).
    const obj = node.toJS(doc, { maxAliasCount: 100 }) as Record<string, unknown>
    for (const key of Object.keys(obj)) {
      if (!ASSERTION_MEMBERS.has(key)) throw new InputError(`${at}: unknown member '${key}'`)
    }
    if (typeof obj.type !== 'string') throw new InputError(`${at}: 'type' must be a string`)
    if (
      obj.params !== undefined &&
      (typeof obj.params !== 'object' || obj.params === null || Array.isArray(obj.params))
    ) {
      throw new InputError(`${at}: 'params' must be an object`)
    }
    for (const key of ['description', 'repo'] as const) {
      if (obj[key] !== undefined && typeof obj[key] !== 'string')
        throw new InputError(`${at}: '${key}' must be a string`)
    }
    if (obj.id !== undefined) {
      if (typeof obj.id !== 'string' || !ID.test(obj.id)) {
        throw new InputError(`${at}: 'id' must be 1–64 characters of [A-Za-z0-9._:-]`)
      }
      if (given.has(obj.id)) throw new InputError(`${at}: duplicate id '${obj.id}'`)
      given.add(obj.id)
    }
    return { obj, at, control, pos: pos(node) }
  })
  return entries.map(({ obj, at, control, pos: p }, i) => {
    const id = (obj.id as string | undefined) ?? `a${i + 1}`
    if (obj.id === undefined && given.has(id)) {
      throw new InputError(`${at}: generated id '${id}' equals a given id; give this assertion an id`)
    }
    return {
      id,
      type: obj.type as string,
      params: (obj.params as Record<string, unknown> | undefined) ?? {},
      ...(typeof obj.description === 'string' ? { description: obj.description } : {}),
      ...(typeof obj.repo === 'string' ? { repo: obj.repo } : {}),
      ...(control ? { control } : {}),
      line: p.line,
      column: p.column,
    }
  })
}
