import type { TextFile } from '../checkout/checkout.js'
import { npmSource } from './npm.js'
import { type Declaration, locate, type ManifestParser, parsed } from './types.js'
import { entries, entry, readYaml, scalar } from './yaml-tree.js'

const IMPORTER_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies']

/** Drops peer-dependency suffixes: `1.0.0(react@18.2.0)` (v6+) and `1.0.0_react@18.2.0` (v5). */
const bareVersion = (v: string) => v.replace(/\(.*$/, '').replace(/_.*$/, '')

/** Name and version of a `packages` key: `/name/1.0.0` (v5), `/name@1.0.0` (v6), `name@1.0.0` (v9). */
function splitKey(key: string, v5: boolean): { name: string; version: string } {
  const k = key.replace(/^\//, '').replace(/\(.*$/, '')
  const sep = v5 ? k.lastIndexOf('/') : k.indexOf('@', 1)
  if (sep <= 0) return { name: k, version: '' }
  return { name: k.slice(0, sep), version: bareVersion(k.slice(sep + 1)) }
}

/** `pnpm-lock.yaml`: every `packages` entry; importer entries for packages not listed there (links). */
export const parsePnpmLock: ManifestParser = (file) => {
  const docs = readYaml(file)
  if ('problem' in docs) return docs
  const declarations: Declaration[] = []
  for (const root of docs) {
    const lockVersion = scalar(entry(root, 'lockfileVersion')?.value) ?? ''
    const v5 = /^5(\.|$)/.test(lockVersion)
    for (const e of entries(entry(root, 'packages')?.value)) {
      const fromKey = splitKey(e.key, v5)
      const name = scalar(entry(e.value, 'name')?.value) ?? fromKey.name
      const version = scalar(entry(e.value, 'version')?.value) ?? fromKey.version
      declarations.push(declaration(file, name, version, e.key, e.keyOffset))
    }
    const listed = new Set(declarations.map((d) => d.name))
    const importers = entry(root, 'importers')
    const projects = importers ? entries(importers.value) : [{ key: '.', keyOffset: 0, value: root }]
    for (const project of projects) {
      for (const section of IMPORTER_SECTIONS) {
        for (const dep of entries(entry(project.value, section)?.value)) {
          if (listed.has(dep.key)) continue
          const version = scalar(entry(dep.value, 'version')?.value) ?? scalar(dep.value) ?? ''
          declarations.push(
            declaration(file, dep.key, bareVersion(version), `${project.key} ${section}`, dep.keyOffset),
          )
        }
      }
    }
  }
  return parsed(file, declarations)
}

function declaration(file: TextFile, name: string, version: string, where: string, offset: number): Declaration {
  return { name, version: version || undefined, source: npmSource(version), where, location: locate(file, offset) }
}
