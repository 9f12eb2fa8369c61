import type { TextFile } from '../checkout/checkout.js'
import { asObject, asString, type JsonNode, type JsonObject, member, readJson } from './json-tree.js'
import { npmSource } from './npm.js'
import { type Declaration, locate, type ManifestParser, parsed, parseProblem } from './types.js'

/** The installed name of a `packages` key: the part after the last `node_modules/`. */
function installedName(key: string): string | undefined {
  const i = key.lastIndexOf('node_modules/')
  return i < 0 ? undefined : key.slice(i + 'node_modules/'.length)
}

/** `package-lock.json` / `npm-shrinkwrap.json`: v2/v3 `packages` (every nested copy), else v1 `dependencies`. */
export const parsePackageLock: ManifestParser = (file) => {
  const root = readJson(file)
  if ('problem' in root) return root
  if (root.type !== 'object') return parseProblem(file, 'expected a JSON object', 1)
  const packages = member(root, 'packages')
  if (packages) {
    const table = asObject(packages.value)
    if (!table) return parseProblem(file, "'packages' is not an object", file.index.lineOf(packages.keyOffset))
    return parsed(file, fromPackages(file, table))
  }
  const declarations: Declaration[] = []
  fromDependencies(file, member(root, 'dependencies')?.value, 'node_modules/', declarations)
  return parsed(file, declarations)
}

function fromPackages(file: TextFile, table: JsonObject): Declaration[] {
  const declarations: Declaration[] = []
  for (const [key, m] of table.members) {
    const installed = installedName(key)
    if (!installed) continue // the root project and workspace sources
    const version = asString(member(m.value, 'version')?.value)
    const linked = member(m.value, 'link')?.value
    // A link points at a workspace directory: local code, not a registry version.
    const isLink = linked?.type === 'boolean' && linked.raw === 'true'
    declarations.push({
      name: asString(member(m.value, 'name')?.value) ?? installed,
      version,
      source: isLink ? 'path' : version === undefined ? undefined : npmSource(version),
      where: key,
      location: locate(file, m.keyOffset),
    })
  }
  return declarations
}

/** v1: `dependencies` nest copies under `dependencies` of the package that needs them. */
function fromDependencies(file: TextFile, node: JsonNode | undefined, prefix: string, out: Declaration[]): void {
  const deps = asObject(node)
  if (!deps) return
  for (const [name, m] of deps.members) {
    const version = asString(member(m.value, 'version')?.value)
    const path = `${prefix}${name}`
    out.push({
      name,
      version,
      source: version === undefined ? undefined : npmSource(version),
      where: path,
      location: locate(file, m.keyOffset),
    })
    fromDependencies(file, member(m.value, 'dependencies')?.value, `${path}/node_modules/`, out)
  }
}
