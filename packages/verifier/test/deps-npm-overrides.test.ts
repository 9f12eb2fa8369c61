import { describe, expect, it } from 'vitest'
import { brief, exists, version } from './deps-helpers.js'

const manifest = (extra: Record<string, unknown>) =>
  `${JSON.stringify({ dependencies: { lodash: '^4.17.21', a: '1.0.0' }, ...extra }, null, 2)}\n`

describe('dependency_version — npm overrides without a lockfile', () => {
  it.each([
    ['overrides', { overrides: { lodash: '4.17.20' } }, 'overrides, line 7'],
    ['nested overrides', { overrides: { a: { lodash: '4.17.20' } } }, 'overrides, line 8'],
    ['yarn resolutions', { resolutions: { '**/lodash': '4.17.20' } }, 'resolutions, line 7'],
    ['pnpm overrides', { pnpm: { overrides: { 'a>lodash@<5': '4.17.20' } } }, 'pnpm.overrides, line 8'],
  ])('%s make the version unprovable', async (_, extra, where) => {
    const o = await version({ 'package.json': manifest(extra) }, 'package.json', 'lodash', '>=4.17.21')
    expect(brief(o)).toEqual({
      status: 'fail',
      details: `'lodash' is overridden in package.json (${where}); cannot prove`,
    })
  })

  it('an override of another package changes nothing', async () => {
    const o = await version(
      { 'package.json': manifest({ overrides: { left: '1.0.0' } }) },
      'package.json',
      'lodash',
      '>=4.17.0',
    )
    expect(o.status).toBe('pass')
  })

  it('an override is not a declaration for dependency_exists', async () => {
    const o = await exists({ 'package.json': manifest({ overrides: { zzz: '1.0.0' } }) }, 'package.json', 'zzz')
    expect(o.status).toBe('fail')
  })
})
