import { parse, TomlDate, TomlError } from 'smol-toml'
import type { TextIndex } from '../checkout/text.js'
import { type ConfigNode, type Entry, mapOf, type ParseResult, parsed, parseError, scalar } from './model.js'
import { locateToml, type TomlPath, tomlPathKey } from './toml-locate.js'
import { outOfRangeInteger, toml10Problem } from './toml-strict.js'

/**
 * TOML 1.0 (ASSERTIONS.md §3.8): `smol-toml` decides validity and decodes values; a scan of the source adds the
 * line of every key and the text numbers and dates were written with (`1_000`, `0x1F`, `1979-05-27`).
 */
export function parseToml(text: string, index: TextIndex): ParseResult {
  let value: Record<string, unknown>
  try {
    value = parse(text, { integersAsBigInt: 'asNeeded' })
  } catch (e) {
    if (e instanceof TomlError) return parseError(e.line, tomlReason(e.message))
    throw e
  }
  const strict = toml10Problem(text)
  if (strict) return parseError(strict.line, strict.reason)
  const huge = outOfRangeInteger(value)
  if (huge !== undefined) {
    const at = text.search(new RegExp(`(?<![\\w.])[+-]?${String(huge < 0n ? -huge : huge)}(?![\\w.])`))
    return parseError(at < 0 ? 1 : index.lineOf(at), `integer ${huge} is outside the 64-bit range (TOML 1.0)`)
  }
  const located = locateToml(text, index)
  const convert = (v: unknown, path: TomlPath): ConfigNode => {
    const written = located.get(tomlPathKey(path))?.raw
    if (Array.isArray(v)) {
      return { kind: 'list', items: v.map((item, i) => entry(item, [...path, i])) }
    }
    if (v instanceof TomlDate) return scalar('datetime', writtenDate(written, v) ?? v.toISOString())
    if (typeof v === 'number' || typeof v === 'bigint') return scalar('number', writtenNumber(written, v) ?? String(v))
    if (typeof v === 'boolean') return scalar('boolean', String(v))
    if (typeof v === 'string') return scalar('string', v)
    const entries = new Map<string, Entry>()
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) entries.set(k, entry(child, [...path, k]))
    return mapOf(entries)
  }
  const entry = (v: unknown, path: TomlPath): Entry => ({
    node: convert(v, path),
    line: located.get(tomlPathKey(path))?.line ?? 1,
  })
  return parsed(convert(value, []))
}

/** The source text of a number, kept only when it denotes the value smol-toml read (a scan is never trusted blindly). */
function writtenNumber(written: string | undefined, value: number | bigint): string | undefined {
  if (written === undefined) return undefined
  const text = written.replaceAll('_', '')
  if (/^[+-]?inf$/.test(text)) return value === (text.startsWith('-') ? -Infinity : Infinity) ? written : undefined
  if (/^[+-]?nan$/.test(text)) return Number.isNaN(value) ? written : undefined
  if (typeof value === 'bigint') {
    try {
      return BigInt(text.replace(/^\+/, '')) === value ? written : undefined
    } catch {
      return undefined
    }
  }
  return Number(text) === value ? written : undefined
}

function writtenDate(written: string | undefined, value: TomlDate): string | undefined {
  if (written === undefined) return undefined
  try {
    return new TomlDate(written).toISOString() === value.toISOString() ? written : undefined
  } catch {
    return undefined
  }
}

/** smol-toml's message without its prefix and code frame. */
const tomlReason = (message: string) => message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')
