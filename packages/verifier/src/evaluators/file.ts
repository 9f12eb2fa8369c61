import { isProblem } from '../checkout/checkout.js'
import { type Evaluator, fromProblem } from '../engine/outcome.js'

const ALGORITHMS: Record<string, { node: string; hexLength: number }> = {
  sha256: { node: 'sha256', hexLength: 64 },
  sha384: { node: 'sha384', hexLength: 96 },
  sha512: { node: 'sha512', hexLength: 128 },
  'sha3-256': { node: 'sha3-256', hexLength: 64 },
  'sha3-512': { node: 'sha3-512', hexLength: 128 },
}
const WEAK = new Set(['md5', 'sha1', 'sha-1'])

const thousands = (n: number) => n.toLocaleString('en-US')

export const fileExists: Evaluator = async (params, ctx) => {
  const loc = await ctx.checkout.locate(params.file as string)
  if (isProblem(loc)) return fromProblem(loc)
  const digest = await ctx.checkout.hashStream(loc.rel, 'sha256')
  return {
    status: 'pass',
    details: `file exists: ${loc.rel} (${thousands(loc.size)} byte${loc.size === 1 ? '' : 's'})`,
    locations: [{ file: loc.rel, line: 1 }],
    evidenceDigest: `sha256:${digest}`,
  }
}

/** Splits `expected_hash` into algorithm and hex, checking both against `algorithm` (§3.13). */
function parseExpected(
  expected: string,
  algorithmParam: string | undefined,
): { algorithm: string; hex: string } | string {
  const colon = expected.indexOf(':')
  const prefix = colon >= 0 ? expected.slice(0, colon).toLowerCase() : undefined
  const hex = colon >= 0 ? expected.slice(colon + 1) : expected
  // `algorithm` is a closed enumeration (§2.8); only `expected_hash`, prefix included, is compared ignoring case.
  const requested = algorithmParam
  for (const a of [requested, prefix]) {
    if (a && WEAK.has(a.toLowerCase())) return `${a.toLowerCase()} is too weak to prove integrity`
    if (a && !ALGORITHMS[a]) return `unsupported algorithm '${a}' (use sha256, sha384, sha512, sha3-256 or sha3-512)`
  }
  if (requested && prefix && requested !== prefix) {
    return `'expected_hash' prefix '${prefix}' disagrees with 'algorithm' '${requested}'`
  }
  const algorithm = requested ?? prefix ?? 'sha256'
  const spec = ALGORITHMS[algorithm]!
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== spec.hexLength) {
    return `'expected_hash' must be ${spec.hexLength} hex characters for ${algorithm}`
  }
  return { algorithm, hex: hex.toLowerCase() }
}

export const fileHash: Evaluator = async (params, ctx) => {
  const expected = parseExpected(params.expected_hash as string, params.algorithm as string | undefined)
  if (typeof expected === 'string') return { status: 'error', details: `invalid params: ${expected}` }
  const loc = await ctx.checkout.locate(params.file as string)
  if (isProblem(loc)) return fromProblem(loc)
  const actual = await ctx.checkout.hashStream(loc.rel, ALGORITHMS[expected.algorithm]!.node)
  const sha256 = expected.algorithm === 'sha256' ? actual : await ctx.checkout.hashStream(loc.rel, 'sha256')
  const common = { locations: [{ file: loc.rel, line: 1 }], evidenceDigest: `sha256:${sha256}` }
  if (actual === expected.hex) {
    return { status: 'pass', details: `${expected.algorithm} of ${loc.rel} matches`, ...common }
  }
  return {
    status: 'fail',
    details: `${expected.algorithm} of ${loc.rel} is ${actual}, expected ${expected.hex}`,
    ...common,
  }
}
