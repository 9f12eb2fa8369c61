import { type Checkout, isProblem, type TextFile } from '../checkout/checkout.js'
import { normalizePath } from '../checkout/paths.js'
import { parsePep508, urlSource } from './python.js'
import { type Declaration, locate, type ManifestParser } from './types.js'

interface LogicalLine {
  text: string
  /** Offset of the first non-blank character. */
  offset: number
  line: number
}

/** Joins `\` continuations and drops comments (`#` at the start or after whitespace), as pip does. */
function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = []
  const physical = text.split('\n')
  let offset = 0
  let pending: LogicalLine | undefined
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i]!.replace(/\r$/, '')
    const start = offset
    offset += physical[i]!.length + 1
    const current: LogicalLine = pending ?? {
      text: '',
      offset: start + (raw.length - raw.trimStart().length),
      line: i + 1,
    }
    if (raw.endsWith('\\')) {
      current.text += raw.slice(0, -1)
      pending = current
      continue
    }
    current.text += raw
    pending = undefined
    current.text = current.text.replace(/(^|\s)#.*$/, '').trim()
    if (current.text !== '') out.push(current)
  }
  if (pending) {
    pending.text = pending.text.replace(/(^|\s)#.*$/, '').trim()
    if (pending.text !== '') out.push(pending)
  }
  return out
}

const INCLUDE = /^(?:-r|--requirement)(?:\s*=\s*|\s*)(\S+)$/
const EDITABLE = /^(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)/
const EGG = /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/
/** A direct URL or path line without a name: `git+https://…#egg=x`, `./pkg`, `https://…/x.whl`. */
const DIRECT = /^([a-z][a-z0-9+.-]*:\/\/|[a-z]+\+|\.{0,2}\/|file:)/i

interface Walk {
  checkout: Checkout
  declarations: Declaration[]
  examined: string[]
  visited: Set<string>
}

/** `requirements*.txt` and `requirements/*.txt`, following `-r` includes inside the root. */
export const parseRequirements: ManifestParser = async (file, checkout) => {
  const walk: Walk = { checkout, declarations: [], examined: [], visited: new Set() }
  const problem = await readFile(file, walk)
  if (problem) return { problem: 'error', message: problem, examined: walk.examined }
  return { declarations: walk.declarations, examined: walk.examined }
}

async function readFile(file: TextFile, walk: Walk): Promise<string | undefined> {
  walk.visited.add(file.rel)
  walk.examined.push(file.rel)
  for (const line of logicalLines(file.text)) {
    const where = `${file.rel} line ${line.line}`
    const include = INCLUDE.exec(line.text)
    if (include) {
      const problem = await followInclude(file, include[1]!, where, walk)
      if (problem) return problem
      continue
    }
    const editable = EDITABLE.exec(line.text)
    if (editable) {
      addDirect(file, line, editable[1]!, walk)
      continue
    }
    if (line.text.startsWith('-')) continue // -c constraints and pip options
    if (DIRECT.test(line.text)) {
      addDirect(file, line, line.text.split(/\s+/)[0]!, walk)
      continue
    }
    // Per-requirement options (`--hash=…`) follow the requirement.
    const req = parsePep508(line.text.replace(/\s+--?[A-Za-z].*$/, ''))
    if (!req) return `cannot parse ${file.rel} at line ${line.line}: invalid requirement '${clip(line.text)}'`
    walk.declarations.push({ ...req, location: locate(file, line.offset) })
  }
  return undefined
}

function addDirect(file: TextFile, line: LogicalLine, target: string, walk: Walk): void {
  const egg = EGG.exec(target)
  if (!egg) return // a project directory without a name says nothing about a package
  const source = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) || /^[a-z]+\+/i.test(target) ? urlSource(target) : 'path'
  walk.declarations.push({ name: egg[1]!, version: target, source, location: locate(file, line.offset) })
}

async function followInclude(file: TextFile, target: string, where: string, walk: Walk): Promise<string | undefined> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return `cannot follow include of a URL: ${target} (${where})`
  const dir = file.rel.includes('/') ? file.rel.slice(0, file.rel.lastIndexOf('/')) : ''
  const joined = normalizePath(dir ? `${dir}/${target}` : target)
  if (!joined.ok) {
    if (joined.message.startsWith('path escapes')) return `include escapes project root: ${target} (${where})`
    return `invalid include ${target} (${where}): ${joined.message}`
  }
  if (walk.visited.has(joined.rel)) return undefined
  const included = await walk.checkout.openText(joined.rel)
  if (isProblem(included)) return `cannot read include (${where}): ${included.message}`
  return readFile(included, walk)
}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s)
