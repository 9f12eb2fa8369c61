import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { prepareXml } from '../config/xml-input.js'

/**
 * Well-formed XML to plain objects without any DTD processing: a DOCTYPE is blanked out and only the predefined
 * entities and character references are decoded (by us, in attribute values), so nothing external is ever resolved.
 */
export type XmlElement = { [key: string]: unknown }
export type ParsedXml = { ok: true; rootName: string; root: XmlElement } | { ok: false; message: string }

export function parseXml(source: string, arrayTags: readonly string[]): ParsedXml {
  const prepared = prepareXml(source)
  if (!('text' in prepared)) return { ok: false, message: `not well-formed XML (${prepared.reason})` }
  const text = prepared.text
  const valid = XMLValidator.validate(text)
  if (valid !== true) return { ok: false, message: `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})` }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    processEntities: false,
    htmlEntities: false,
    parseAttributeValue: false,
    parseTagValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name, jpath) => String(jpath).includes('.') && arrayTags.includes(name),
  })
  const doc = parser.parse(text) as XmlElement
  const roots = Object.keys(doc).filter((k) => k !== '#text')
  if (roots.length !== 1 || Array.isArray(doc[roots[0]!]))
    return { ok: false, message: 'not well-formed XML (more than one root element)' }
  const rootName = roots[0]!
  const root = doc[rootName]
  return { ok: true, rootName, root: typeof root === 'object' && root !== null ? (root as XmlElement) : {} }
}

/** Child elements with a tag (always an array, given `arrayTags`). */
export function children(el: XmlElement, tag: string): XmlElement[] {
  const c = el[tag]
  if (!Array.isArray(c)) return []
  return c.map((x) => (typeof x === 'object' && x !== null ? (x as XmlElement) : {}))
}

/** An attribute value with XML's predefined entities and character references decoded. */
export function attribute(el: XmlElement, name: string): string | undefined {
  const v = el[`@${name}`]
  return typeof v === 'string' ? decodeEntities(v) : undefined
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10)
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return PREDEFINED[ref] ?? whole
  })
}
