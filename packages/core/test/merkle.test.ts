import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  memoryTree,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../src/evidence/merkle.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const h = (...parts: Uint8Array[]) => {
  const x = createHash('sha256')
  for (const p of parts) x.update(p)
  return new Uint8Array(x.digest())
}

/** RFC 6962 §2.1 written out literally, with no caching and no shared code with the implementation. */
function naiveRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return h()
  if (leaves.length === 1) return h(new Uint8Array([0]), leaves[0]!)
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return h(new Uint8Array([1]), naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)))
}

const TEST_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(bytes)
// Reference roots of the RFC 6962 test leaves for sizes 1..8 (certificate-transparency test vectors).
const REFERENCE_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]

const tamper = (proof: Uint8Array[], at: number) =>
  proof.map((p, i) => {
    if (i !== at) return p
    const copy = new Uint8Array(p)
    copy[i % 32]! ^= 1
    return copy
  })

describe('RFC 6962 Merkle tree', () => {
  it('reproduces the reference roots of the standard test leaves', () => {
    const tree = memoryTree(TEST_LEAVES.map(leafHash))
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(REFERENCE_ROOTS.map((_, i) => hex(rootOf(tree, i + 1)))).toEqual(REFERENCE_ROOTS)
  })

  const N = 256
  const leaves = Array.from({ length: N }, (_, i) => new TextEncoder().encode(`leaf ${i}`))
  const tree = memoryTree(leaves.map(leafHash))
  const roots = Array.from({ length: N + 1 }, (_, n) => naiveRoot(leaves.slice(0, n)))

  it('agrees with the naive root for every size up to 256', () => {
    for (let n = 0; n <= N; n++) expect(hex(rootOf(tree, n)), `size ${n}`).toBe(hex(roots[n]!))
  })

  it('proves and verifies every inclusion up to 256 leaves, and rejects tampered proofs', () => {
    let checked = 0
    for (let n = 1; n <= N; n++) {
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(tree, m, n)
        const leaf = leafHash(leaves[m]!)
        if (!verifyInclusion(leaf, m, n, proof, roots[n]!)) throw new Error(`inclusion ${m} in ${n} failed`)
        if (proof.length > 0) {
          if (verifyInclusion(leaf, m, n, tamper(proof, (m + n) % proof.length), roots[n]!))
            throw new Error(`tampered ${m}/${n} accepted`)
          if (verifyInclusion(leaf, m, n, proof.slice(0, -1), roots[n]!))
            throw new Error(`shortened ${m}/${n} accepted`)
        }
        if (verifyInclusion(leaf, m, n, [...proof, roots[n]!], roots[n]!))
          throw new Error(`extended ${m}/${n} accepted`)
        if (n > 1 && verifyInclusion(leaf, (m + 1) % n, n, proof, roots[n]!))
          throw new Error(`wrong index ${m}/${n} accepted`)
        if (verifyInclusion(leafHash(leaves[(m + 1) % N]!), m, n, proof, roots[n]!))
          throw new Error(`wrong leaf ${m}/${n} accepted`)
        checked++
      }
    }
    expect(checked).toBe((N * (N + 1)) / 2)
  })

  it('proves and verifies every consistency up to 256 leaves, and rejects tampered proofs', () => {
    let checked = 0
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(tree, m, n)
        if (!verifyConsistency(m, n, proof, roots[m]!, roots[n]!)) throw new Error(`consistency ${m}→${n} failed`)
        if (m < n) {
          if (verifyConsistency(m, n, tamper(proof, (m * n) % proof.length), roots[m]!, roots[n]!))
            throw new Error(`tampered ${m}→${n} accepted`)
          if (verifyConsistency(m, n, proof.slice(0, -1), roots[m]!, roots[n]!))
            throw new Error(`shortened ${m}→${n} accepted`)
          if (m > 1 && verifyConsistency(m, n, proof, roots[m - 1]!, roots[n]!))
            throw new Error(`wrong first root ${m}→${n} accepted`)
          if (verifyConsistency(m, n, proof, roots[m]!, roots[n - 1]!))
            throw new Error(`wrong second root ${m}→${n} accepted`)
        }
        checked++
      }
    }
    expect(checked).toBe((N * (N + 1)) / 2)
  })

  it('refuses impossible proof requests', () => {
    expect(() => inclusionProof(tree, 5, 5)).toThrow(RangeError)
    expect(() => consistencyProof(tree, 0, 5)).toThrow(RangeError)
    expect(() => consistencyProof(tree, 6, 5)).toThrow(RangeError)
    expect(verifyInclusion(leafHash(leaves[0]!), -1, 1, [], roots[1]!)).toBe(false)
    expect(verifyConsistency(3, 3, [roots[3]!], roots[3]!, roots[3]!)).toBe(false)
  })
})
