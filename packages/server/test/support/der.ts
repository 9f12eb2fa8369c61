/** A minimal DER writer for test fixtures (certificate extensions, RFC 3161 responses). */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

export const tlv = (tag: number, ...content: Uint8Array[]): Buffer => {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}

export const sequence = (...content: Uint8Array[]) => tlv(0x30, ...content)
/** DER SET OF: elements sorted by their encodings. */
export const setOf = (...elements: Buffer[]) => tlv(0x31, ...[...elements].sort(Buffer.compare))
export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes)
export const utf8String = (value: string) => tlv(0x0c, Buffer.from(value, 'utf8'))
export const explicit = (n: number, ...content: Uint8Array[]) => tlv(0xa0 + n, ...content)

/** INTEGER from a non-negative number or from big-endian content bytes (already minimal). */
export function integer(value: number | Uint8Array): Buffer {
  if (typeof value !== 'number') return tlv(0x02, value)
  const bytes: number[] = []
  let v = value
  do {
    bytes.unshift(v & 0xff)
    v = Math.floor(v / 256)
  } while (v > 0)
  if (bytes[0]! & 0x80) bytes.unshift(0)
  return tlv(0x02, Buffer.from(bytes))
}

export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [a! * 40 + b!]
  for (const arc of rest) {
    const groups: number[] = []
    let v = arc
    do {
      groups.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)))
  }
  return tlv(0x06, Buffer.from(out))
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` (second precision). */
export const generalizedTime = (date: Date) =>
  tlv(
    0x18,
    Buffer.from(
      date
        .toISOString()
        .replace(/[-:T]/g, '')
        .replace(/\.\d{3}Z$/, 'Z'),
      'ascii',
    ),
  )
