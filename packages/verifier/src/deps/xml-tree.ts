import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { TextFile } from '../checkout/checkout.js'
import { prepareXml } from '../config/xml-input.js'
import { type ManifestProblem, parseProblem } from './types.js'

/** An element as fast-xml-parser gives it: children by name (always lists), attributes under `@_name`. */
export type XmlElement = Record<string, unknown>

const META = XMLParser.getMetaDataSymbol() as unknown as symbol

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  captureMetaData: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
})

/** Parses an XML file without resolving DTDs or entities; gives the root element. */
export function readXml(file: TextFile): { root: XmlElement } | ManifestProblem {
  const prepared = prepareXml(file.text)
  if (!('text' in prepared)) return parseProblem(file, prepared.reason, file.index.lineOf(prepared.offset))
  const text = prepared.text
  const valid = XMLValidator.validate(text)
  if (valid !== true) return parseProblem(file, valid.err.msg, valid.err.line)
  return { root: parser.parse(text) as XmlElement }
}

const isElement = (x: unknown): x is XmlElement => typeof x === 'object' && x !== null && !Array.isArray(x)

/** Child elements named `name` (text-only children are wrapped so they can be read alike). */
export function children(el: unknown, name: string): XmlElement[] {
  if (!isElement(el)) return []
  const list = el[name]
  if (!Array.isArray(list)) return []
  return list.map((c) => (isElement(c) ? c : { '#text': c }))
}

/** Follows a path of child names, collecting every element reached. */
export function descend(el: unknown, path: readonly string[]): XmlElement[] {
  let current: XmlElement[] = isElement(el) ? [el] : []
  for (const name of path) current = current.flatMap((c) => children(c, name))
  return current
}

/** The trimmed text of the first child named `name`, or of the element itself with `name` omitted. */
export function text(el: unknown, name?: string): string | undefined {
  const target = name === undefined ? el : children(el, name)[0]
  if (!isElement(target)) return undefined
  const t = target['#text']
  return t === undefined || t === null ? undefined : String(t).trim()
}

export const attribute = (el: XmlElement, name: string): string | undefined => {
  const v = el[`@_${name}`]
  return v === undefined ? undefined : String(v)
}

/** Where an element starts in the text. */
export const startOf = (el: XmlElement): number => {
  const meta = (el as Record<symbol, unknown>)[META] as { startIndex?: number } | undefined
  return meta?.startIndex ?? 0
}
