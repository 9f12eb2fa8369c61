import type { LanguageId, NamePath } from './facts.js'

/** Name comparison rules of §2.6 that depend on the language: PHP is case-insensitive and `$this` is `this`. */
function segmentEq(language: LanguageId, a: string, b: string): boolean {
  if (language !== 'php') return a === b
  const bare = (s: string) => s.replace(/^\$/, '').toLowerCase()
  return bare(a) === bare(b)
}

/** Definitions match by segment suffix: the qualified name ends with the given segments. */
export function matchesDefinition(language: LanguageId, given: NamePath, qualified: NamePath): boolean {
  if (given.length > qualified.length) return false
  const offset = qualified.length - given.length
  return given.every((seg, i) => segmentEq(language, seg, qualified[offset + i]!))
}

/** References match by full path, or by last segment when the given name is a single segment. */
export function matchesReference(language: LanguageId, given: NamePath, written: NamePath): boolean {
  if (written.length === 0) return false
  if (given.length === 1) return segmentEq(language, given[0]!, written[written.length - 1]!)
  return given.length === written.length && given.every((seg, i) => segmentEq(language, seg, written[i]!))
}

/** C# attributes: `Authorize` and `AuthorizeAttribute` are the same name (on both sides). */
export function withoutAttributeSuffix(path: NamePath): NamePath {
  const last = path[path.length - 1]
  if (!last || last === 'Attribute' || !last.endsWith('Attribute')) return path
  return [...path.slice(0, -1), last.slice(0, -'Attribute'.length)]
}

export const display = (path: NamePath) => path.join('.')
