import { normalisePythonName, pythonScheme } from './python-version.js'
import type { Ecosystem, Source } from './types.js'

export const python: Ecosystem = {
  label: 'Python',
  sameName: (declared, wanted) => normalisePythonName(declared) === normalisePythonName(wanted),
  scheme: pythonScheme,
}

/** A PEP 508 requirement: name, optional extras, then a specifier set or `@ url`, then an optional marker. */
export interface Requirement {
  name: string
  /** The specifier set, or the URL of a direct reference. */
  version?: string
  source?: Source
}

const REQUIREMENT = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$/s

export function urlSource(url: string): Source {
  if (/^(git|hg|svn|bzr)\+/.test(url)) return 'git'
  return /^file:/.test(url) ? 'path' : 'url'
}

export function parsePep508(text: string): Requirement | undefined {
  const m = REQUIREMENT.exec(text.trim())
  if (!m) return undefined
  const rest = m[2]!.trim()
  if (rest.startsWith('@')) {
    const url = rest.slice(1).split(/\s*;/)[0]!.trim()
    if (url === '') return undefined
    return { name: m[1]!, version: url, source: urlSource(url) }
  }
  if (rest !== '' && !/^[(<>=!~;]/.test(rest)) return undefined
  const spec = rest.split(';')[0]!.trim()
  return { name: m[1]!, version: spec === '' ? undefined : spec }
}
