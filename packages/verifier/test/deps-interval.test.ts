import { describe, expect, it } from 'vitest'
import { VersionSet } from '../src/deps/interval.js'
import { brief, exists, version } from './deps-helpers.js'

const cmp = (a: number, b: number) => a - b
const range = (lo: number, hi: number) => VersionSet.halfOpen(cmp, lo, hi)

describe('VersionSet', () => {
  it('tests containment of unions and bounds', () => {
    const set = range(1, 2).union(range(3, 4))
    expect(range(1, 2).isInside(set)).toBe(true)
    expect(range(1, 3).isInside(set)).toBe(false)
    expect(VersionSet.exactly(cmp, 2).isInside(set)).toBe(false)
    expect(VersionSet.exactly(cmp, 3).isInside(set)).toBe(true)
    expect(VersionSet.above(cmp, 1, true).isInside(range(1, 100))).toBe(false)
    expect(VersionSet.below(cmp, 1, false).isInside(VersionSet.below(cmp, 1, true))).toBe(true)
    expect(VersionSet.below(cmp, 1, true).isInside(VersionSet.below(cmp, 1, false))).toBe(false)
  })

  it('merges touching intervals but not ones with a gap at an excluded point', () => {
    const joined = range(1, 2).union(range(2, 3))
    expect(range(1, 3).isInside(joined)).toBe(true)
    expect(range(1, 3).isInside(VersionSet.except(cmp, 2))).toBe(false)
    expect(range(1, 3).isInside(VersionSet.except(cmp, 5))).toBe(true)
  })

  it('intersects, complements and knows the empty and the full set', () => {
    expect(range(1, 3).intersect(range(2, 4)).intervals).toEqual([
      { lower: { at: 2, inclusive: true }, upper: { at: 3, inclusive: false } },
    ])
    expect(range(1, 2).intersect(range(2, 3)).isEmpty).toBe(true)
    expect(VersionSet.all(cmp).isEverything).toBe(true)
    expect(range(1, 2).complement().contains(2)).toBe(true)
    expect(range(1, 2).complement().contains(1)).toBe(false)
    expect(VersionSet.all(cmp).complement().isEmpty).toBe(true)
  })
})

describe('dependency types — shared rules', () => {
  it('errors when a lockfile next to the manifest is a symlink leaving the root', async () => {
    const files = { 'package.json': '{"dependencies": {"a": "^1.0.0"}}' }
    const o = await version(files, 'package.json', 'a', '>=1')
    expect(o.status).toBe('pass')
    const linked = await version(files, 'package.json', 'a', '>=1', {
      symlinks: { 'package-lock.json': '/etc/hostname' },
    })
    expect(brief(linked)).toEqual({
      status: 'error',
      details: 'symlink resolves outside project root: package-lock.json',
    })
    expect(linked.examined).toEqual(['package.json'])
  })

  it('errors on a requirement include through a symlink that leaves the root', async () => {
    const o = await exists({ 'requirements.txt': '-r base.txt\n' }, 'requirements.txt', 'x', {
      symlinks: { 'base.txt': '/etc/hostname' },
    })
    expect(brief(o)).toEqual({
      status: 'error',
      details: 'cannot read include (requirements.txt line 1): symlink resolves outside project root: base.txt',
    })
    expect(o.examined).toEqual(['requirements.txt'])
  })

  it('reads manifests in sub-directories and looks for the lockfile beside them', async () => {
    const files = {
      'web/package.json': '{"dependencies": {"a": "^1.0.0"}}',
      'web/yarn.lock': 'a@^1.0.0:\n  version "1.2.0"\n',
      'package-lock.json': '{"packages": {"node_modules/a": {"version": "0.1.0"}}}',
    }
    const o = await version(files, 'web/package.json', 'a', '>=1.1')
    expect(brief(o)).toEqual({ status: 'pass', details: "'a' 1.2.0 (web/yarn.lock: a@^1.0.0) satisfies >=1.1" })
    expect(o.examined).toEqual(['web/package.json', 'web/yarn.lock'])
  })

  it('errors on a binary manifest', async () => {
    const o = await exists({ 'package.json': '{"a":\u0000}' }, 'package.json', 'a')
    expect(brief(o)).toEqual({ status: 'error', details: 'binary file where text is needed: package.json' })
  })
})
