import { describe, expect, it } from 'vitest'
import { brief, exists, version } from './deps-helpers.js'

const pkgJson = (deps: Record<string, Record<string, string>>) =>
  `${JSON.stringify({ name: 'web', version: '1.0.0', ...deps }, null, 2)}\n`

describe('dependency_exists — npm', () => {
  it('finds a dependency and reports its section and line', async () => {
    const o = await exists(
      { 'package.json': pkgJson({ dependencies: { express: '^4.19.2', helmet: '^7.1.0' } }) },
      'package.json',
      'helmet',
    )
    expect(brief(o)).toEqual({ status: 'pass', details: "'helmet' declared in package.json (dependencies, line 6)" })
    expect(o.locations?.[0]).toMatchObject({ file: 'package.json', line: 6 })
    expect(o.examined).toEqual(['package.json'])
  })

  it('reads devDependencies, peerDependencies and optionalDependencies', async () => {
    const files = {
      'package.json': pkgJson({
        devDependencies: { vitest: '^1' },
        peerDependencies: { react: '>=18' },
        optionalDependencies: { fsevents: '^2' },
      }),
    }
    for (const name of ['vitest', 'react', 'fsevents'])
      expect((await exists(files, 'package.json', name)).status).toBe('pass')
  })

  it('compares names exactly, scope included', async () => {
    const files = { 'package.json': pkgJson({ dependencies: { '@fastify/helmet': '^11.1.1' } }) }
    expect(brief(await exists(files, 'package.json', 'helmet'))).toEqual({
      status: 'fail',
      details: "'helmet' not declared in package.json",
    })
    expect((await exists(files, 'package.json', 'Helmet')).status).toBe('fail')
    expect((await exists(files, 'package.json', '@fastify/helmet')).status).toBe('pass')
  })

  it('does not count other sections such as scripts or overrides', async () => {
    const files = { 'package.json': JSON.stringify({ scripts: { helmet: 'x' }, overrides: { helmet: '1.0.0' } }) }
    expect((await exists(files, 'package.json', 'helmet')).status).toBe('fail')
  })

  it('errors on a manifest that does not parse, naming the line', async () => {
    const o = await exists({ 'package.json': '{\n  "dependencies": { "express": "^4"\n' }, 'package.json', 'express')
    expect(brief(o)).toEqual({ status: 'error', details: "cannot parse package.json at line 3: expected ',' or '}'" })
    expect(o.examined).toEqual(['package.json'])
  })

  it('errors on a section that is not an object', async () => {
    const o = await exists({ 'package.json': '{"dependencies": ["express"]}' }, 'package.json', 'express')
    expect(brief(o)).toEqual({
      status: 'error',
      details: "cannot parse package.json at line 1: 'dependencies' is not an object",
    })
  })

  it('fails on a missing manifest and errors on an unsupported one', async () => {
    expect(brief(await exists({}, 'package.json', 'x'))).toEqual({
      status: 'fail',
      details: 'file not found: package.json',
    })
    expect(brief(await exists({ 'deps.json': '{}' }, 'deps.json', 'x'))).toEqual({
      status: 'error',
      details: 'unsupported manifest: deps.json',
    })
    expect(brief(await exists({}, '../package.json', 'x'))).toEqual({
      status: 'error',
      details: 'path escapes project root: ../package.json',
    })
  })

  it('counts every copy in package-lock.json v3, nested ones included', async () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'web' },
        'node_modules/a': { version: '1.0.0' },
        'node_modules/a/node_modules/@scope/lodash': { version: '4.17.20' },
      },
    })
    expect(brief(await exists({ 'package-lock.json': lock }, 'package-lock.json', '@scope/lodash'))).toEqual({
      status: 'pass',
      details: "'@scope/lodash' declared in package-lock.json (node_modules/a/node_modules/@scope/lodash, line 1)",
    })
  })

  it('reads v1 lockfiles recursively, pnpm-lock.yaml and both yarn.lock formats', async () => {
    const v1 = JSON.stringify({
      lockfileVersion: 1,
      dependencies: { a: { version: '1.0.0', dependencies: { lodash: { version: '4.17.20' } } } },
    })
    expect((await exists({ 'npm-shrinkwrap.json': v1 }, 'npm-shrinkwrap.json', 'lodash')).status).toBe('pass')
    const pnpm = "lockfileVersion: '9.0'\npackages:\n  lodash@4.17.21:\n    resolution: {integrity: sha512-x}\n"
    expect((await exists({ 'pnpm-lock.yaml': pnpm }, 'pnpm-lock.yaml', 'lodash')).status).toBe('pass')
    const classic = '# yarn lockfile v1\n\n"@babel/core@^7.0.0", "@babel/core@^7.1.0":\n  version "7.1.2"\n'
    expect(brief(await exists({ 'yarn.lock': classic }, 'yarn.lock', '@babel/core'))).toEqual({
      status: 'pass',
      details: "'@babel/core' declared in yarn.lock (@babel/core@^7.0.0, line 3)",
    })
    const berry =
      '__metadata:\n  version: 6\n\n"lodash@npm:^4.17.0":\n  version: 4.17.21\n  resolution: "lodash@npm:4.17.21"\n'
    expect((await exists({ 'yarn.lock': berry }, 'yarn.lock', 'lodash')).status).toBe('pass')
    expect((await exists({ 'yarn.lock': berry }, 'yarn.lock', 'lodash-es')).status).toBe('fail')
  })
})

describe('dependency_version — npm', () => {
  const manifest = (spec: string) => ({ 'package.json': pkgJson({ dependencies: { lodash: spec } }) })

  it('passes a range entirely inside the constraint', async () => {
    expect(brief(await version(manifest('^4.19.2'), 'package.json', 'lodash', '>=4.17.0'))).toEqual({
      status: 'pass',
      details: "'lodash' declared '^4.19.2' in package.json is inside '>=4.17.0'",
    })
  })

  it('fails a range that reaches outside the constraint', async () => {
    expect(brief(await version(manifest('^4.17.0'), 'package.json', 'lodash', '>=4.17.21'))).toEqual({
      status: 'fail',
      details: "'lodash' declared '^4.17.0' in package.json is not inside '>=4.17.21'; cannot prove",
    })
  })

  it('tests a pinned version', async () => {
    expect(brief(await version(manifest('4.17.21'), 'package.json', 'lodash', '>=4.17.21'))).toEqual({
      status: 'pass',
      details: "'lodash' 4.17.21 (package.json) satisfies >=4.17.21",
    })
    expect(brief(await version(manifest('=4.17.20'), 'package.json', 'lodash', '>=4.17.21'))).toEqual({
      status: 'fail',
      details: "'lodash' 4.17.20 (package.json) does not satisfy >=4.17.21",
    })
    expect((await version(manifest('v4.17.21'), 'package.json', 'lodash', '>=4.17.21')).status).toBe('pass')
  })

  it('cannot prove *, latest, tags, git, path and URL declarations', async () => {
    const cases: [string, string][] = [
      ['*', "'lodash' declared '*' in package.json does not bound the version; cannot prove"],
      ['latest', "'lodash' declared 'latest' in package.json does not bound the version; cannot prove"],
      ['', "'lodash' declared '' in package.json does not bound the version; cannot prove"],
      [
        'github:lodash/lodash#4.17.21',
        "'lodash' declared 'github:lodash/lodash#4.17.21' in package.json is a git source; cannot prove",
      ],
      ['lodash/lodash', "'lodash' declared 'lodash/lodash' in package.json is a git source; cannot prove"],
      ['file:../lodash', "'lodash' declared 'file:../lodash' in package.json is a path source; cannot prove"],
      [
        'https://x.test/lodash.tgz',
        "'lodash' declared 'https://x.test/lodash.tgz' in package.json is a url source; cannot prove",
      ],
      [
        'npm:lodash@4.17.21',
        "'lodash' declared 'npm:lodash@4.17.21' in package.json does not bound the version; cannot prove",
      ],
    ]
    for (const [spec, details] of cases) {
      expect(brief(await version(manifest(spec), 'package.json', 'lodash', '>=0.0.0'))).toEqual({
        status: 'fail',
        details,
      })
    }
  })

  it('errors on an invalid constraint before reading anything', async () => {
    const o = await version(manifest('^4'), 'package.json', 'lodash', '>>1')
    expect(brief(o)).toEqual({ status: 'error', details: "invalid constraint '>>1' for npm" })
    expect(o.examined).toBeUndefined()
  })

  it('fails when the package is not declared, even if the lockfile lists it', async () => {
    const files = {
      ...manifest('^4.17.0'),
      'package-lock.json': JSON.stringify({ packages: { 'node_modules/express': { version: '4.19.2' } } }),
    }
    const o = await version(files, 'package.json', 'express', '>=4')
    expect(brief(o)).toEqual({ status: 'fail', details: "'express' not declared in package.json" })
    expect(o.examined).toEqual(['package.json'])
  })

  it('prefers the lockfile next to the manifest and examines it', async () => {
    const files = {
      ...manifest('^4.17.0'),
      'package-lock.json': JSON.stringify({
        lockfileVersion: 3,
        packages: { 'node_modules/lodash': { version: '4.17.21' } },
      }),
    }
    const o = await version(files, 'package.json', 'lodash', '>=4.17.21')
    expect(brief(o)).toEqual({
      status: 'pass',
      details: "'lodash' 4.17.21 (package-lock.json: node_modules/lodash) satisfies >=4.17.21",
    })
    expect(o.examined).toEqual(['package.json', 'package-lock.json'])
  })

  it('fails when one nested copy in the lockfile is outside the constraint', async () => {
    const lock = `${JSON.stringify(
      {
        lockfileVersion: 3,
        packages: {
          'node_modules/lodash': { version: '4.17.21' },
          'node_modules/a/node_modules/lodash': { version: '4.17.20' },
        },
      },
      null,
      2,
    )}\n`
    const o = await version(
      { ...manifest('4.17.21'), 'package-lock.json': lock },
      'package.json',
      'lodash',
      '>=4.17.21',
    )
    expect(brief(o)).toEqual({
      status: 'fail',
      details: "'lodash' 4.17.20 (package-lock.json: node_modules/a/node_modules/lodash) does not satisfy >=4.17.21",
    })
    expect(o.locations).toEqual([expect.objectContaining({ file: 'package-lock.json', line: 7 })])
  })

  it('uses the first lockfile found in the listed order', async () => {
    const files = {
      ...manifest('^4.17.0'),
      'npm-shrinkwrap.json': JSON.stringify({ packages: { 'node_modules/lodash': { version: '4.17.20' } } }),
      'yarn.lock': 'lodash@^4.17.0:\n  version "4.17.21"\n',
    }
    expect((await version(files, 'package.json', 'lodash', '>=4.17.21')).details).toBe(
      "'lodash' 4.17.20 (npm-shrinkwrap.json: node_modules/lodash) does not satisfy >=4.17.21",
    )
  })

  it('falls back to the declaration when the lockfile does not list the package', async () => {
    const files = { ...manifest('^4.17.0'), 'yarn.lock': 'express@^4:\n  version "4.19.2"\n' }
    const o = await version(files, 'package.json', 'lodash', '>=4.17.21')
    expect(o.status).toBe('fail')
    expect(o.examined).toEqual(['package.json', 'yarn.lock'])
  })

  it('errors when the lockfile next to the manifest does not parse', async () => {
    const o = await version({ ...manifest('^4.17.0'), 'package-lock.json': '{' }, 'package.json', 'lodash', '>=4')
    expect(brief(o)).toEqual({
      status: 'error',
      details: 'cannot parse package-lock.json at line 1: expected a property name',
    })
    expect(o.examined).toEqual(['package.json', 'package-lock.json'])
  })

  it('compares pre-releases by version order', async () => {
    const lock = JSON.stringify({ packages: { 'node_modules/lodash': { version: '5.0.0-rc.1' } } })
    expect((await version({ 'package-lock.json': lock }, 'package-lock.json', 'lodash', '>=4.17.21')).status).toBe(
      'pass',
    )
    const older = JSON.stringify({ packages: { 'node_modules/lodash': { version: '4.17.21-rc.1' } } })
    expect((await version({ 'package-lock.json': older }, 'package-lock.json', 'lodash', '>=4.17.21')).status).toBe(
      'fail',
    )
  })

  it('reads resolved versions from pnpm (v5, v6, v9) and yarn lockfiles', async () => {
    const v5 = 'lockfileVersion: 5.4\npackages:\n  /lodash/4.17.20_react@18.2.0:\n    dev: false\n'
    expect((await version({ 'pnpm-lock.yaml': v5 }, 'pnpm-lock.yaml', 'lodash', '>=4.17.21')).details).toBe(
      "'lodash' 4.17.20 (pnpm-lock.yaml: /lodash/4.17.20_react@18.2.0) does not satisfy >=4.17.21",
    )
    const v6 = "lockfileVersion: '6.0'\npackages:\n  /@scope/lodash@4.17.21(react@18.2.0):\n    dev: false\n"
    expect((await version({ 'pnpm-lock.yaml': v6 }, 'pnpm-lock.yaml', '@scope/lodash', '>=4.17.21')).status).toBe(
      'pass',
    )
    const v9 =
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      local:\n        specifier: link:../local\n        version: link:../local\npackages:\n  lodash@4.17.21:\n    resolution: {integrity: x}\n"
    expect((await version({ 'pnpm-lock.yaml': v9 }, 'pnpm-lock.yaml', 'lodash', '>=4.17.21')).status).toBe('pass')
    expect(brief(await version({ 'pnpm-lock.yaml': v9 }, 'pnpm-lock.yaml', 'local', '>=1'))).toEqual({
      status: 'fail',
      details: "'local' in pnpm-lock.yaml: . dependencies is a path source; cannot prove",
    })
    const berry =
      '__metadata:\n  version: 6\n\n"ws@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "ws@workspace:."\n'
    expect((await version({ 'yarn.lock': berry }, 'yarn.lock', 'ws', '>=0')).status).toBe('fail')
  })

  it('fails a lockfile entry without a version', async () => {
    const lock = JSON.stringify({ packages: { 'node_modules/x': { resolved: 'packages/x', link: true } } })
    expect(brief(await version({ 'package-lock.json': lock }, 'package-lock.json', 'x', '>=1'))).toEqual({
      status: 'fail',
      details: "'x' in package-lock.json: node_modules/x is a path source; cannot prove",
    })
  })
})
