/**
 * RFC 8785 (JCS) canonical JSON: sorted keys by UTF-16 code units, ECMAScript number serialisation,
 * minimal string escapes. Rejects values JSON cannot carry faithfully (NaN, Infinity, lone surrogates).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize non-finite number ${value}`)
      return JSON.stringify(value)
    case 'string':
      if (/\p{Surrogate}/u.test(value.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) {
        throw new TypeError('cannot canonicalize a string with a lone surrogate')
      }
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
      const obj = value as Record<string, unknown>
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort()
      return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(obj[k])}`).join(',')}}`
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`)
  }
}
