import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { TextIndex } from '../checkout/text.js'
import { type ConfigNode, type Entry, mapOf, type ParseResult, parsed, parseError, scalar } from './model.js'
import { prepareXml } from './xml-input.js'

/** One node of fast-xml-parser's ordered output: `{tag: children, ':@': attributes}`, `{'#text'}` or `{'#cdata'}`. */
type XmlItem = Record<string, unknown>

const ATTRIBUTES = ':@'
const TEXT = '#text'
const CDATA = '#cdata'
const METADATA = XMLParser.getMetaDataSymbol() as unknown as symbol

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are never expanded by the parser: the five XML entities and character references are decoded below.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA,
  captureMetaData: true,
  maxNestedTags: 1000,
})

/**
 * XML (ASSERTIONS.md §3.8): the element path from the root element, `@name` for attributes, prefixes as written,
 * repeated elements a list, text trimmed. The DOCTYPE is blanked out before parsing, so DTDs and entities (external
 * ones included) are never read or resolved; a reference to an undeclared entity is a parse error.
 */
export function parseXml(text: string, index: TextIndex): ParseResult {
  const prepared = prepareXml(text)
  if (!('text' in prepared)) return parseError(index.lineOf(prepared.offset), prepared.reason)
  const prolog = prepared.text
  const valid = XMLValidator.validate(prolog)
  if (valid !== true) return parseError(valid.err.line, valid.err.msg)
  let items: XmlItem[]
  try {
    items = parser.parse(prolog) as XmlItem[]
  } catch (e) {
    return parseError(1, (e as Error).message)
  }
  const roots = items.filter((i) => tagOf(i) !== undefined)
  const builder = new XmlTreeBuilder(prolog, index)
  if (roots.length !== 1) {
    return parseError(roots[1] ? builder.lineOf(roots[1]) : 1, 'a document must have exactly one root element')
  }
  const root = roots[0]!
  const entry = builder.element(root)
  return parsed(
    mapOf(new Map([[tagOf(root)!, { node: { kind: 'list', repeated: true, items: [entry] }, line: entry.line }]])),
  )
}

/** The element name of an ordered item, or undefined for text, CDATA and comments. */
function tagOf(item: XmlItem): string | undefined {
  return Object.keys(item).find((k) => k !== ATTRIBUTES && !k.startsWith('#'))
}

class XmlTreeBuilder {
  constructor(
    private readonly text: string,
    private readonly index: TextIndex,
  ) {}

  lineOf(item: XmlItem): number {
    const meta = (item as Record<symbol, { startIndex?: number } | undefined>)[METADATA]
    return this.index.lineOf(meta?.startIndex ?? 0)
  }

  element(item: XmlItem): Entry {
    const name = tagOf(item)!
    const line = this.lineOf(item)
    const children = (item[name] ?? []) as XmlItem[]
    const attributes = this.attributes(item, line)
    const elements = children.filter((c) => tagOf(c) !== undefined)
    if (elements.length === 0) {
      return { node: scalar('string', textOf(children).trim(), attributes), line }
    }
    const byName = new Map<string, Entry[]>()
    for (const child of elements) {
      const childName = tagOf(child)!
      const list = byName.get(childName) ?? []
      list.push(this.element(child))
      byName.set(childName, list)
    }
    const members = new Map<string, Entry>(attributes)
    for (const [childName, list] of byName) {
      const node: ConfigNode = { kind: 'list', repeated: true, items: list }
      members.set(childName, { node, line: list[0]!.line })
    }
    return { node: mapOf(members), line }
  }

  private attributes(item: XmlItem, elementLine: number): Map<string, Entry> {
    const attributes = new Map<string, Entry>()
    const raw = (item[ATTRIBUTES] ?? {}) as Record<string, string>
    const meta = (item as Record<symbol, { startIndex?: number } | undefined>)[METADATA]
    for (const [name, value] of Object.entries(raw)) {
      const offset = meta?.startIndex === undefined ? undefined : this.attributeOffset(meta.startIndex, name)
      const line = offset === undefined ? elementLine : this.index.lineOf(offset)
      attributes.set(`@${name}`, { node: scalar('string', decodeEntities(value)), line })
    }
    return attributes
  }

  /** Where `name=` is written in the start tag that begins at `start`. */
  private attributeOffset(start: number, name: string): number | undefined {
    const t = this.text
    for (let i = start + 1; i < t.length && t[i] !== '>'; i++) {
      const c = t[i]!
      if (c === '"' || c === "'") {
        const close = t.indexOf(c, i + 1)
        if (close < 0) return undefined
        i = close
      } else if (
        /\s/.test(t[i - 1]!) &&
        t.startsWith(name, i) &&
        /^\s*=/.test(t.slice(i + name.length, i + name.length + 64))
      ) {
        return i
      }
    }
    return undefined
  }
}

/** The text of an element without child elements: text decoded, CDATA as written. */
function textOf(children: readonly XmlItem[]): string {
  return children
    .map((c) => {
      if (typeof c[TEXT] === 'string') return decodeEntities(c[TEXT])
      const cdata = c[CDATA] as XmlItem[] | undefined
      return cdata ? cdata.map((t) => String(t[TEXT] ?? '')).join('') : ''
    })
    .join('')
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Decodes the five predefined entities and character references; any other entity reference stays as written. */
function decodeEntities(s: string): string {
  return s.replace(/&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g, (all, name, dec, hex) => {
    if (name) return PREDEFINED[name as string]!
    const code = dec ? Number.parseInt(dec as string, 10) : Number.parseInt(hex as string, 16)
    return code <= 0x10ffff ? String.fromCodePoint(code) : all
  })
}
