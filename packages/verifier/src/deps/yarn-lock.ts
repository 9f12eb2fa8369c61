import type { TextFile } from '../checkout/checkout.js'
import { descriptorName } from './npm.js'
import {
  type Declaration,
  locate,
  type ManifestParser,
  type ParseOutcome,
  parsed,
  parseProblem,
  type Source,
} from './types.js'
import { entries, entry, readYaml, scalar } from './yaml-tree.js'

/** `yarn.lock`: Berry (YAML with `__metadata`) or classic (yarn's own format). */
export const parseYarnLock: ManifestParser = (file) =>
  /^__metadata:/m.test(file.text) ? parseBerry(file) : parseClassic(file)

const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1')

/** The descriptors of an entry header: `"a@^1", a@^1.2:` → `a@^1`, `a@^1.2`. */
const descriptors = (header: string) =>
  header
    .split(',')
    .map(unquote)
    .filter((d) => d !== '')

/** Local code (workspaces, links, directories) has no registry version; git and tarballs are fixed by the lock. */
function berrySource(resolution: string): Source | undefined {
  const protocol = /@([a-z]+):/.exec(resolution.slice(1))?.[1]
  return protocol && ['workspace', 'link', 'portal', 'file'].includes(protocol) ? 'path' : undefined
}

function parseBerry(file: TextFile): ParseOutcome {
  const docs = readYaml(file)
  if ('problem' in docs) return docs
  const declarations: Declaration[] = []
  for (const e of entries(docs[0])) {
    if (e.key === '__metadata') continue
    const first = descriptors(e.key)[0] ?? e.key
    const resolution = scalar(entry(e.value, 'resolution')?.value) ?? ''
    declarations.push({
      name: descriptorName(first),
      version: scalar(entry(e.value, 'version')?.value),
      source: berrySource(resolution),
      where: first,
      location: locate(file, e.keyOffset),
    })
  }
  return parsed(file, declarations)
}

function parseClassic(file: TextFile): ParseOutcome {
  const declarations: Declaration[] = []
  let current: Declaration | undefined
  let offset = 0
  const lines = file.text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '')
    const lineOffset = offset
    offset += lines[i]!.length + 1
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    if (!/^\s/.test(line)) {
      if (!line.endsWith(':')) return parseProblem(file, 'expected an entry header ending in ":"', i + 1)
      const first = descriptors(line.slice(0, -1))[0] ?? ''
      current = { name: descriptorName(first), where: first, location: locate(file, lineOffset) }
      declarations.push(current)
      continue
    }
    const field = /^ {2}(version|resolved)\s+(.*)$/.exec(line)
    if (!field || !current) continue
    const value = unquote(field[2]!)
    if (field[1] === 'version') current.version = value
    else if (/^(file|link):/.test(value)) current.source = 'path'
  }
  return parsed(file, declarations)
}
