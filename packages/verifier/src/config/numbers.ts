import { NUMERIC_STRING } from '@warrant/core'

/** An exact number: `coefficient × 10^exponent`, or an infinity. NaN is not a number that can be compared. */
export type ExactNumber =
  | { readonly kind: 'finite'; readonly coefficient: bigint; readonly exponent: bigint }
  | { readonly kind: 'infinite'; readonly negative: boolean }

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** Parses the decimal grammar of §3.9 (`NUMERIC_STRING`) exactly. */
export function parseDecimal(text: string): ExactNumber | undefined {
  if (!NUMERIC_STRING.test(text)) return undefined
  const m = DECIMAL.exec(text)!
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`
  const magnitude = BigInt(digits === '' ? '0' : digits)
  return {
    kind: 'finite',
    coefficient: m[1] === '-' ? -magnitude : magnitude,
    exponent: BigInt(m[4] ?? '0') - BigInt((m[3] ?? '').length),
  }
}

/**
 * Parses a number as a configuration format writes it: decimals and exponents, `0x`/`0o`/`0b` integers, TOML's
 * `_` digit separators, and YAML's `.inf` or TOML's `inf` with a sign. NaN gives undefined.
 */
export function parseNumberLiteral(written: string): ExactNumber | undefined {
  const text = written.trim().replaceAll('_', '')
  const sign = text[0] === '-' || text[0] === '+' ? text[0] : ''
  const body = text.slice(sign.length)
  if (/^\.?inf$/i.test(body)) return { kind: 'infinite', negative: sign === '-' }
  const radix = /^0([xob])([0-9a-fA-F]+)$/.exec(body)
  if (radix) {
    try {
      const magnitude = BigInt(`0${radix[1]}${radix[2]}`)
      return { kind: 'finite', coefficient: sign === '-' ? -magnitude : magnitude, exponent: 0n }
    } catch {
      return undefined
    }
  }
  return parseDecimal(text)
}

/** A JSON number param (already finite) or numeric string param, exactly as written. */
export function parseValueParam(value: number | string): ExactNumber | undefined {
  return parseDecimal(typeof value === 'number' ? String(value) : value.trim())
}

const sign = (n: bigint): number => (n > 0n ? 1 : n < 0n ? -1 : 0)
const abs = (n: bigint): bigint => (n < 0n ? -n : n)

/** Compares two exact numbers: -1, 0 or 1. */
export function compareExact(a: ExactNumber, b: ExactNumber): number {
  if (a.kind === 'infinite' || b.kind === 'infinite') {
    const rank = (x: ExactNumber) => (x.kind === 'infinite' ? (x.negative ? -1 : 1) : 0)
    const ra = rank(a)
    const rb = rank(b)
    return ra === rb ? 0 : ra < rb ? -1 : 1
  }
  const sa = sign(a.coefficient)
  const sb = sign(b.coefficient)
  if (sa !== sb) return sa < sb ? -1 : 1
  if (sa === 0) return 0
  return sa * compareMagnitudes(abs(a.coefficient), a.exponent, abs(b.coefficient), b.exponent)
}

/** Compares `ca × 10^ea` with `cb × 10^eb` for positive coefficients without building huge powers of ten. */
function compareMagnitudes(ca: bigint, ea: bigint, cb: bigint, eb: bigint): number {
  const orderA = BigInt(ca.toString().length) + ea
  const orderB = BigInt(cb.toString().length) + eb
  if (orderA !== orderB) return orderA < orderB ? -1 : 1
  // Same order of magnitude: the exponents differ by at most the difference in digit counts.
  const common = ea < eb ? ea : eb
  const x = ca * 10n ** (ea - common)
  const y = cb * 10n ** (eb - common)
  return x === y ? 0 : x < y ? -1 : 1
}

export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<='

export function satisfies(left: ExactNumber, operator: Operator, right: ExactNumber): boolean {
  const c = compareExact(left, right)
  switch (operator) {
    case '==':
      return c === 0
    case '!=':
      return c !== 0
    case '>':
      return c > 0
    case '>=':
      return c >= 0
    case '<':
      return c < 0
    case '<=':
      return c <= 0
  }
}
