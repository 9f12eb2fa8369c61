import { lstat, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Status } from '@warrant/core'
import { isAbsolutePath } from './checkout/paths.js'
import { evaluateAll } from './engine/engine.js'
import type { EngineOptions } from './engine/outcome.js'

/** A conformance case as written in a `warrant-conformance/v1` file (ASSERTIONS.md §6). */
export interface ConformanceCase {
  id: string
  type: string
  files?: Record<string, string>
  binary_files?: Record<string, string>
  symlinks?: Record<string, string>
  params: Record<string, unknown>
  expect: Status
  why: string
}

export interface CaseOutcome {
  id: string
  type: string
  expect: string
  why: string
  /** The status the verifier gave, or `malformed` when the case itself is malformed. */
  got: Status | 'malformed'
  details: string
  matched: boolean
}

export class ConformanceFileError extends Error {}

const STATUSES = new Set(['pass', 'fail', 'error', 'skipped'])
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Parses a conformance file's text; throws ConformanceFileError when it is not JSON or not of the right format. */
export function parseConformanceFile(text: string): unknown[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new ConformanceFileError(`not JSON: ${(e as Error).message}`)
  }
  const obj = doc as { format?: unknown; cases?: unknown }
  if (typeof doc !== 'object' || doc === null || obj.format !== 'warrant-conformance/v1') {
    throw new ConformanceFileError('\'format\' must be "warrant-conformance/v1"')
  }
  if (!Array.isArray(obj.cases)) throw new ConformanceFileError("'cases' must be an array")
  return obj.cases
}

const isStringMap = (x: unknown): x is Record<string, string> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((v) => typeof v === 'string')

/** Why a case is malformed, or undefined when it is well formed. */
function malformation(c: Record<string, unknown>): string | undefined {
  for (const key of ['id', 'type', 'why'] as const) if (typeof c[key] !== 'string') return `'${key}' must be a string`
  if (typeof c.params !== 'object' || c.params === null || Array.isArray(c.params)) return "'params' must be an object"
  if (typeof c.expect !== 'string' || !STATUSES.has(c.expect)) return "'expect' must be pass, fail, error or skipped"
  const seen = new Set<string>()
  for (const key of ['files', 'binary_files', 'symlinks'] as const) {
    if (c[key] === undefined) continue
    if (!isStringMap(c[key])) return `'${key}' must map paths to strings`
    for (const [path, value] of Object.entries(c[key])) {
      if (isAbsolutePath(path)) return `absolute path in '${key}': ${path}`
      if (path.split(/[/\\]/).includes('..')) return `path with '..' in '${key}': ${path}`
      // Control characters are allowed: cases test how such names are reported.
      const normal = {
        rel: path
          .split('/')
          .filter((seg) => seg !== '' && seg !== '.')
          .join('/'),
      }
      if (normal.rel === '' || path.includes('\0')) return `invalid path in '${key}'`
      // `./a` and `a` are one path; `a` cannot be a file when `a/b` needs it as a directory
      if (seen.has(normal.rel)) return `path appears twice: ${path}`
      const clash = [...seen].find((p) => p.startsWith(`${normal.rel}/`) || normal.rel.startsWith(`${p}/`))
      if (clash !== undefined) return `path is both a file and a directory: ${clash} and ${normal.rel}`
      seen.add(normal.rel)
      if (key === 'binary_files' && (!BASE64.test(value) || value.length % 4 !== 0)) return `bad base64 for ${path}`
    }
  }
  return undefined
}

async function materialise(root: string, c: ConformanceCase): Promise<void> {
  const write = async (rel: string, data: string | Buffer) => {
    const abs = join(root, rel)
    await mkdir(dirname(abs), { recursive: true })
    await writeFile(abs, data)
  }
  for (const [rel, text] of Object.entries(c.files ?? {})) await write(rel, text)
  for (const [rel, b64] of Object.entries(c.binary_files ?? {})) await write(rel, Buffer.from(b64, 'base64'))
  for (const [rel, target] of Object.entries(c.symlinks ?? {})) {
    const abs = join(root, rel)
    await mkdir(dirname(abs), { recursive: true })
    await symlink(target, abs)
    await lstat(abs)
  }
}

/** Runs one case in a fresh temporary directory, removed afterwards. */
export async function runCase(raw: unknown, options: Partial<EngineOptions>): Promise<CaseOutcome> {
  const c = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const base = {
    id: String(c.id ?? '?'),
    type: String(c.type ?? '?'),
    expect: String(c.expect ?? '?'),
    why: String(c.why ?? ''),
  }
  const bad = malformation(c)
  if (bad) return { ...base, got: 'malformed', details: `malformed case: ${bad}`, matched: false }
  const kase = c as unknown as ConformanceCase
  const dir = await mkdtemp(join(tmpdir(), 'warrant-conformance-'))
  try {
    const root = join(dir, 'root')
    await mkdir(root)
    try {
      await materialise(root, kase)
    } catch (e) {
      // The system's message names the temporary directory: no absolute path may leak (§6).
      const message = (e as Error).message.split(root).join('<case>').split(dir).join('<tmp>')
      return { ...base, got: 'malformed', details: `malformed case: ${message}`, matched: false }
    }
    const [result] = await evaluateAll([{ id: kase.id, type: kase.type, params: kase.params }], root, options)
    const details = result!.details
    const leaks = [dir, await realpath(dir)].some((p) => details.includes(p))
    return {
      ...base,
      got: result!.status,
      details: leaks ? `${details} [details leak the temporary directory]` : details,
      matched: result!.status === kase.expect && !leaks,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Runs the cases of one file with bounded parallelism; outcomes come back in case order. */
export async function runCases(cases: unknown[], options: Partial<EngineOptions>, width = 8): Promise<CaseOutcome[]> {
  const out: CaseOutcome[] = new Array(cases.length)
  const ids = new Set<string>()
  const duplicate = cases.map((c) => {
    const id = (c as { id?: unknown })?.id
    if (typeof id !== 'string') return false
    if (ids.has(id)) return true
    ids.add(id)
    return false
  })
  let next = 0
  const worker = async () => {
    while (next < cases.length) {
      const i = next++
      const o = await runCase(cases[i], options)
      out[i] = duplicate[i]
        ? { ...o, got: 'malformed', details: `malformed case: duplicate id '${o.id}'`, matched: false }
        : o
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, cases.length) }, worker))
  return out
}
