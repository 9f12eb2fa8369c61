import { isMap, isScalar, parseAllDocuments } from 'yaml'
import type { TextFile } from '../checkout/checkout.js'
import { type ManifestProblem, parseProblem } from './types.js'

/** A mapping entry with a scalar key, and where the key starts. */
export interface YamlEntry {
  key: string
  keyOffset: number
  value: unknown
}

/** Parses every document of a YAML file (duplicate keys are errors); gives their root nodes. */
export function readYaml(file: TextFile): unknown[] | ManifestProblem {
  const docs = parseAllDocuments(file.text, { uniqueKeys: true })
  if (!Array.isArray(docs)) return parseProblem(file, 'not a YAML stream')
  for (const doc of docs) {
    const err = doc.errors[0]
    if (err) {
      const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      return parseProblem(file, reason, err.linePos?.[0].line)
    }
  }
  return docs.map((d) => d.contents)
}

export function entries(node: unknown): YamlEntry[] {
  if (!isMap(node)) return []
  const out: YamlEntry[] = []
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue
    out.push({ key: String(pair.key.value), keyOffset: pair.key.range?.[0] ?? 0, value: pair.value })
  }
  return out
}

export const entry = (node: unknown, key: string): YamlEntry | undefined => entries(node).find((e) => e.key === key)

export function scalar(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null) return undefined
  return String(node.value)
}
