import { createHash } from 'node:crypto'

/** RFC 6962 / RFC 9162 Merkle tree hashing, audit paths and consistency proofs (EVIDENCE.md §9.4). */

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}
const LEAF = new Uint8Array([0])
const NODE = new Uint8Array([1])

export const leafHash = (leaf: Uint8Array): Uint8Array => sha256(LEAF, leaf)
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(NODE, left, right)
export const EMPTY_ROOT: Uint8Array = sha256()

/** The largest power of two smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/**
 * The hashes of a tree's leaves; `range(start, end)` is MTH(D[start:end]). Implementations may serve complete aligned
 * subtrees from a cache (the server's `log_nodes`); the proof algorithms only ever ask for such ranges and suffixes.
 */
export interface TreeHashes {
  readonly size: number
  range(start: number, end: number): Uint8Array
}

/** An in-memory tree over leaf hashes, memoising complete aligned subtrees. */
export function memoryTree(leafHashes: readonly Uint8Array[]): TreeHashes {
  const memo = new Map<string, Uint8Array>()
  const range = (start: number, end: number): Uint8Array => {
    const n = end - start
    if (n === 0) return EMPTY_ROOT
    if (n === 1) return leafHashes[start]!
    const aligned = (n & (n - 1)) === 0 && start % n === 0
    const key = `${start}:${end}`
    if (aligned) {
      const cached = memo.get(key)
      if (cached) return cached
    }
    const k = splitPoint(n)
    const h = nodeHash(range(start, start + k), range(start + k, end))
    if (aligned) memo.set(key, h)
    return h
  }
  return { size: leafHashes.length, range }
}

export const rootOf = (tree: TreeHashes, size = tree.size): Uint8Array => tree.range(0, size)

/** RFC 6962 §2.1.1 PATH(m, D[0:n]): the audit path of leaf m in the tree of the first n leaves. */
export function inclusionProof(tree: TreeHashes, index: number, size: number): Uint8Array[] {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size || size > tree.size)
    throw new RangeError(`no leaf ${index} in a tree of size ${size}`)
  const path: Uint8Array[] = []
  const walk = (m: number, start: number, end: number) => {
    const n = end - start
    if (n === 1) return
    const k = splitPoint(n)
    if (m < k) {
      walk(m, start, start + k)
      path.push(tree.range(start + k, end))
    } else {
      walk(m - k, start + k, end)
      path.push(tree.range(start, start + k))
    }
  }
  walk(index, 0, size)
  return path
}

/** RFC 6962 §2.1.2 PROOF(m, D[0:n]): proves the tree of size `first` is a prefix of the tree of size `second`. */
export function consistencyProof(tree: TreeHashes, first: number, second: number): Uint8Array[] {
  if (!Number.isInteger(first) || !Number.isInteger(second) || first < 1 || first > second || second > tree.size)
    throw new RangeError(`no consistency proof from ${first} to ${second} in a tree of size ${tree.size}`)
  const proof: Uint8Array[] = []
  const sub = (m: number, start: number, end: number, complete: boolean) => {
    const n = end - start
    if (m === n) {
      if (!complete) proof.push(tree.range(start, end))
      return
    }
    const k = splitPoint(n)
    if (m <= k) {
      sub(m, start, start + k, complete)
      proof.push(tree.range(start + k, end))
    } else {
      sub(m - k, start + k, end, false)
      proof.push(tree.range(start, start + k))
    }
  }
  sub(first, 0, second, true)
  return proof
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** One step of an audit path: the sibling hash, on which side it joins, and the node hash that results. */
export interface InclusionStep {
  sibling: Uint8Array
  side: 'left' | 'right'
  result: Uint8Array
}

/**
 * RFC 9162 §2.1.3.2: the steps an audit path takes from a leaf hash up to the root it implies; undefined when the
 * path does not fit the index and size. The root is the last step's result (the leaf hash itself for an empty path).
 */
export function inclusionSteps(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): InclusionStep[] | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined
  let fn = BigInt(index)
  let sn = BigInt(size - 1)
  let r = leaf
  const steps: InclusionStep[] = []
  for (const p of path) {
    if (p.length !== 32 || sn === 0n) return undefined
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r)
      steps.push({ sibling: p, side: 'left', result: r })
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n
          sn >>= 1n
        }
      }
    } else {
      r = nodeHash(r, p)
      steps.push({ sibling: p, side: 'right', result: r })
    }
    fn >>= 1n
    sn >>= 1n
  }
  return sn === 0n ? steps : undefined
}

/** RFC 9162 §2.1.3.2: verifies an audit path against a root. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const steps = inclusionSteps(leaf, index, size, path)
  return steps !== undefined && equal(steps.at(-1)?.result ?? leaf, root)
}

/** RFC 9162 §2.1.4.2: verifies that `firstRoot` (size `first`) is a prefix of `secondRoot` (size `second`). */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot)
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof]
  let fn = BigInt(first - 1)
  let sn = BigInt(second - 1)
  while ((fn & 1n) === 1n) {
    fn >>= 1n
    sn >>= 1n
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0n) return false
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n
          sn >>= 1n
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn >>= 1n
    sn >>= 1n
  }
  return sn === 0n && equal(fr, firstRoot) && equal(sr, secondRoot)
}
