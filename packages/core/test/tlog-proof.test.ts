import { describe, expect, it } from 'vitest'
import {
  formatTlogProof,
  generateKeyPair,
  inclusionProof,
  leafHash,
  memoryTree,
  parseTlogProof,
  parseVerifierKey,
  rootOf,
  signCheckpoint,
  verifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '../src/evidence/index.js'

/** C2SP tlog-proof v1 offline proof files (EVIDENCE.md §9.6). */
describe('tlog-proof', () => {
  const origin = 'warrant.test/log'
  const log = generateKeyPair('ed25519')
  const leaves = Array.from({ length: 11 }, (_, i) => new TextEncoder().encode(`leaf ${i}`))
  const tree = memoryTree(leaves.map(leafHash))
  const note = signCheckpoint({ origin, size: 11, root: rootOf(tree) }, origin, log.privateKey)

  it('round-trips and the parsed proof verifies against its own checkpoint', () => {
    const text = formatTlogProof({ index: 6, hashes: inclusionProof(tree, 6, 11), checkpoint: note })
    expect(text.split('\n').slice(0, 2)).toEqual(['c2sp.org/tlog-proof@v1', 'index 6'])
    expect(text.endsWith(`\n\n${note}`)).toBe(true)
    const parsed = parseTlogProof(text)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(formatTlogProof(parsed.proof)).toBe(text)
    expect(parsed.proof.extra).toBeUndefined()
    const checked = verifyCheckpoint(parsed.proof.checkpoint, [parseVerifierKey(verifierKey(origin, log.publicKey))!])
    expect(checked.ok).toBe(true)
    if (!checked.ok) return
    const { size, root } = checked.checkpoint
    expect(verifyInclusion(leafHash(leaves[6]!), parsed.proof.index, size, parsed.proof.hashes, root)).toBe(true)
    expect(verifyInclusion(leafHash(leaves[5]!), parsed.proof.index, size, parsed.proof.hashes, root)).toBe(false)
  })

  it('keeps extra data, and accepts an empty audit path', () => {
    const extra = new Uint8Array([1, 2, 3, 250])
    const text = formatTlogProof({ index: 0, hashes: [], checkpoint: note, extra })
    expect(text.split('\n').slice(0, 4)).toEqual(['c2sp.org/tlog-proof@v1', 'extra AQID+g==', 'index 0', ''])
    const parsed = parseTlogProof(text)
    expect(parsed.ok && parsed.proof).toEqual({ index: 0, hashes: [], checkpoint: note, extra })
  })

  it('rejects malformed proofs', () => {
    const good = formatTlogProof({ index: 6, hashes: inclusionProof(tree, 6, 11), checkpoint: note })
    const bad = [
      good.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2'),
      good.replace('index 6', 'index 06'),
      good.replace('index 6', 'index -1'),
      good.replace('index 6\n', ''),
      good.replace(/\n[A-Za-z0-9+/]{43}=\n/, '\nAAAA\n'),
      good.replace(/\n([A-Za-z0-9+/]{42})[A-Za-z0-9+/]=\n/, '\n$1-=\n'),
      good.slice(0, good.indexOf('\n\n') + 2),
      good.replace('\n\n', '\n'),
    ]
    for (const text of bad) expect(parseTlogProof(text).ok, text).toBe(false)
  })
})
