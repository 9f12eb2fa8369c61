import { describe, expect, it } from 'vitest'
import { keyExists, valueMatches, verdict } from './config-helpers.js'

describe('config_value_matches: comparisons', () => {
  const files = { 'config/settings.yaml': 'session:\n  # seconds\n  max_age: 1800\n' }
  const compare = (operator: string, value: number | string) =>
    valueMatches(files, { file: 'config/settings.yaml', key: 'session.max_age', operator, value })

  it('applies every operator', async () => {
    const expected: [string, number | string, boolean][] = [
      ['<=', 3600, true],
      ['<=', 1800, true],
      ['<=', 1799, false],
      ['<', 1800, false],
      ['<', '1800.001', true],
      ['>', 1799.5, true],
      ['>', 1800, false],
      ['>=', '1.8e3', true],
      ['>=', 1801, false],
      ['==', '1800.000', true],
      ['==', 1801, false],
      ['!=', 1801, true],
      ['!=', '18e2', false],
    ]
    for (const [op, value, holds] of expected) {
      const o = await compare(op, value)
      const verb = holds ? 'satisfies' : 'does not satisfy'
      expect(verdict(o), `${op} ${value}`).toEqual([
        holds ? 'pass' : 'fail',
        `'session.max_age' = 1800 ${verb} ${op} ${value} (config/settings.yaml:3)`,
      ])
      expect(o.examined).toEqual(['config/settings.yaml'])
      expect(o.locations).toEqual([{ file: 'config/settings.yaml', line: 3, snippet: '  max_age: 1800' }])
    }
  })

  it('compares exactly, beyond double precision', async () => {
    const json = '{"big": 12345678901234567891, "small": 0.1, "neg": -0.0, "exp": 1E400}'
    const f = { 'n.json': json }
    const check = async (key: string, operator: string, value: number | string) =>
      (await valueMatches(f, { file: 'n.json', key, operator, value })).status
    expect(await check('big', '>', '12345678901234567890')).toBe('pass')
    expect(await check('big', '<', '12345678901234567892')).toBe('pass')
    expect(await check('big', '==', '12345678901234567891')).toBe('pass')
    expect(await check('big', '==', '12345678901234567890')).toBe('fail')
    expect(await check('small', '==', 0.1)).toBe('pass')
    expect(await check('small', '==', '0.10000000000000001')).toBe('fail')
    expect(await check('small', '>', '0.09999999999999999999')).toBe('pass')
    expect(await check('neg', '==', 0)).toBe('pass')
    expect(await check('exp', '>', '9.99e399')).toBe('pass')
    expect(await check('exp', '<', '1e401')).toBe('pass')
  })

  it('compares numeric strings numerically', async () => {
    const o = await valueMatches(
      { 'config/server.json': '{ "tls": { "port": "8443" } }\n' },
      { file: 'config/server.json', key: 'tls.port', operator: '==', value: 8443 },
    )
    expect(verdict(o)).toEqual(['pass', `'tls.port' = "8443" satisfies == 8443 (config/server.json:1)`])
    const padded = await valueMatches(
      { 'p.json': '{ "a": " +.5e1 " }' },
      { file: 'p.json', key: 'a', operator: '==', value: 5 },
    )
    expect(padded.status).toBe('pass')
  })

  it('refuses to compare values that are not numbers', async () => {
    const yaml =
      'password:\n  strength: high\n  enabled: true\n  unset: ~\n  hex: "0x10"\n  nan: .nan\n  list: [1, two]\n'
    const f = { 'config/policy.yaml': yaml }
    const cases: [string, string][] = [
      ['password.strength', `value of 'password.strength' is not numeric: "high"`],
      ['password.enabled', "value of 'password.enabled' is not numeric: true"],
      ['password.unset', "value of 'password.unset' is not numeric: null"],
      ['password.hex', `value of 'password.hex' is not numeric: "0x10"`],
      ['password.nan', "value of 'password.nan' is not numeric: .nan"],
      ['password.list', `value of 'password.list' is not numeric: "two"`],
    ]
    for (const [key, details] of cases) {
      const o = await valueMatches(f, { file: 'config/policy.yaml', key, operator: '>=', value: 3 })
      expect(verdict(o)).toEqual(['error', details])
      expect(o.examined).toEqual(['config/policy.yaml'])
    }
  })

  it('compares YAML core-schema numbers: hex, octal, infinity', async () => {
    const f = { 'n.yaml': 'hex: 0x1F\noct: 0o17\ninf: .inf\nneg: -.Inf\nfloat: 1.0\n' }
    const check = async (key: string, operator: string, value: number | string) =>
      verdict(await valueMatches(f, { file: 'n.yaml', key, operator, value }))
    expect(await check('hex', '==', 31)).toEqual(['pass', "'hex' = 0x1F satisfies == 31 (n.yaml:1)"])
    expect(await check('oct', '==', 15)).toEqual(['pass', "'oct' = 0o17 satisfies == 15 (n.yaml:2)"])
    expect(await check('inf', '>', '1e999')).toEqual(['pass', "'inf' = .inf satisfies > 1e999 (n.yaml:3)"])
    expect(await check('neg', '<', -1)).toEqual(['pass', "'neg' = -.Inf satisfies < -1 (n.yaml:4)"])
    expect(await check('float', '==', 1)).toEqual(['pass', "'float' = 1.0 satisfies == 1 (n.yaml:5)"])
  })
})

describe('config_value_matches: rendering and patterns', () => {
  it('renders YAML scalars with the core schema', async () => {
    const yaml = [
      'a: True',
      'b: FALSE',
      'c: ~',
      'd:',
      'e: yes',
      'f: on',
      'g: 1_000',
      'h: "1.0"',
      'i: 1.0',
      'j: Null',
      'k: !Ref 5',
      'l: !Sub "arn:aws:s3:::bucket"',
      'm: !Custom true',
      'n: !!str 12',
      'o: |',
      '  two',
      '  lines',
      '',
    ].join('\n')
    const f = { 'r.yaml': yaml }
    const rendered: [string, string, string][] = [
      ['a', '^true$', "'a' = true matches ^true$ (r.yaml:1)"],
      ['b', '^false$', "'b' = false matches ^false$ (r.yaml:2)"],
      ['c', '^null$', "'c' = null matches ^null$ (r.yaml:3)"],
      ['d', '^null$', "'d' = null matches ^null$ (r.yaml:4)"],
      ['e', '^yes$', `'e' = "yes" matches ^yes$ (r.yaml:5)`],
      ['f', '^on$', `'f' = "on" matches ^on$ (r.yaml:6)`],
      ['g', '^1_000$', `'g' = "1_000" matches ^1_000$ (r.yaml:7)`],
      ['h', '^1\\.0$', `'h' = "1.0" matches ^1\\.0$ (r.yaml:8)`],
      ['i', '^1\\.0$', "'i' = 1.0 matches ^1\\.0$ (r.yaml:9)"],
      ['j', '^null$', "'j' = null matches ^null$ (r.yaml:10)"],
      ['k', '^5$', "'k' = 5 matches ^5$ (r.yaml:11)"],
      ['l', 's3', `'l' = "arn:aws:s3:::bucket" matches s3 (r.yaml:12)`],
      ['m', '^true$', "'m' = true matches ^true$ (r.yaml:13)"],
      ['n', '^12$', `'n' = "12" matches ^12$ (r.yaml:14)`],
      ['o', '^two\\nlines', `'o' = "two\\nlines\\n" matches ^two\\nlines (r.yaml:15)`],
    ]
    for (const [key, pattern, details] of rendered) {
      expect(verdict(await valueMatches(f, { file: 'r.yaml', key, pattern })), key).toEqual(['pass', details])
    }
    // `1_000` is a string in YAML 1.2: compared as a string, it is not numeric.
    expect((await valueMatches(f, { file: 'r.yaml', key: 'g', operator: '==', value: 1000 })).status).toBe('error')
    expect((await valueMatches(f, { file: 'r.yaml', key: 'k', operator: '==', value: 5 })).status).toBe('pass')
  })

  it('ignores a %YAML 1.1 directive: the 1.2 core schema still applies', async () => {
    const o = await valueMatches(
      { 'v.yaml': '%YAML 1.1\n---\nflag: yes\n' },
      { file: 'v.yaml', key: 'flag', pattern: '^true$' },
    )
    expect(verdict(o)).toEqual(['fail', `'flag' = "yes" does not match ^true$ (v.yaml:3)`])
  })

  it('searches the pattern anywhere unless anchored', async () => {
    const f = { 'p.json': '{"url": "https://example.org/login"}' }
    const check = async (pattern: string) => (await valueMatches(f, { file: 'p.json', key: 'url', pattern })).status
    expect(await check('example')).toBe('pass')
    expect(await check('^example')).toBe('fail')
    expect(await check('^https://[a-z.]+/login$')).toBe('pass')
    expect(await check('EXAMPLE')).toBe('fail')
  })

  it('errors on a regex the verifier refuses, before reading the file', async () => {
    const o = await valueMatches({ 'p.json': '{"a": "aa"}' }, { file: 'p.json', key: 'a', pattern: '(a)\\1' })
    expect(verdict(o)).toEqual(['error', "unsupported regex in 'pattern': back-reference \\1 (not linear-time)"])
    expect(o.examined).toBeUndefined()
    const empty = await valueMatches({ 'p.json': '{"a": "aa"}' }, { file: 'p.json', key: 'a', pattern: 'x*' })
    expect(verdict(empty)).toEqual(['error', "pattern matches the empty string: 'pattern'"])
  })

  it('keeps details on one line and clips long values', async () => {
    const long = 'x'.repeat(300)
    const o = await valueMatches({ 'l.json': `{"a": "${long}"}` }, { file: 'l.json', key: 'a', pattern: 'y' })
    expect(verdict(o)).toEqual(['fail', `'a' = "${'x'.repeat(199)}…" does not match y (l.json:1)`])
  })
})

describe('config_value_matches: candidates', () => {
  const cors = 'cors:\n  allowed_origins:\n    - https://portal.example.org\n    - http://localhost:3000\n    - "*"\n'
  const files = { 'config/cors.yaml': cors }
  const check = (pattern: string, match: 'any' | 'all') =>
    valueMatches(files, { file: 'config/cors.yaml', key: 'cors.allowed_origins', pattern, match })

  it('match all: every element must match', async () => {
    const o = await check('^https://', 'all')
    expect(verdict(o)).toEqual([
      'fail',
      `'cors.allowed_origins' [2 of 3] "http://localhost:3000" does not match ^https://`,
    ])
    expect(o.locations?.map((l) => l.line)).toEqual([4, 5])
    const all = await check('^(https?://|\\*)', 'all')
    expect(verdict(all)).toEqual(['pass', "all 3 values of 'cors.allowed_origins' match ^(https?://|\\*)"])
    expect(all.locations?.map((l) => l.line)).toEqual([3, 4, 5])
  })

  it('match any: one element suffices', async () => {
    const o = await check('localhost', 'any')
    expect(verdict(o)).toEqual(['pass', `'cors.allowed_origins' [2 of 3] "http://localhost:3000" matches localhost`])
    expect(o.locations?.map((l) => l.line)).toEqual([4])
    expect(verdict(await check('^ftp:', 'any'))).toEqual([
      'fail',
      "none of the 3 values of 'cors.allowed_origins' match ^ftp:",
    ])
  })

  it('a list of one element is still a list', async () => {
    const o = await valueMatches({ 'a.yaml': 'a: [x]\n' }, { file: 'a.yaml', key: 'a', pattern: '^x$' })
    expect(verdict(o)).toEqual(['pass', `'a' [1 of 1] "x" matches ^x$`])
  })

  it('an empty list fails; a mapping or a nested list is an error', async () => {
    const f = { 'c.yaml': 'empty: []\nmap: {a: 1}\nnested: [[1], [2]]\nmixed: [1, {a: 1}]\n' }
    const value = (key: string) => valueMatches(f, { file: 'c.yaml', key, pattern: '1' })
    expect(verdict(await value('empty'))).toEqual(['fail', "'empty' is an empty list"])
    expect(verdict(await value('map'))).toEqual(['error', "'map' is not a scalar or list of scalars"])
    expect(verdict(await value('nested'))).toEqual(['error', "'nested' is not a scalar or list of scalars"])
    expect(verdict(await value('mixed'))).toEqual(['error', "'mixed' is not a scalar or list of scalars"])
    expect(verdict(await value('absent'))).toEqual(['fail', "key 'absent' not found in c.yaml"])
  })

  it('takes the value of every YAML document that has the key', async () => {
    const yaml = 'replicas: 3\n---\nname: x\n---\nreplicas: 1\n'
    const f = { 'k8s/all.yaml': yaml }
    const o = await valueMatches(f, { file: 'k8s/all.yaml', key: 'replicas', operator: '>=', value: 2, match: 'all' })
    expect(verdict(o)).toEqual(['fail', "'replicas' [2 of 2] 1 does not satisfy >= 2"])
    expect(o.locations).toEqual([{ file: 'k8s/all.yaml', line: 5, snippet: 'replicas: 1' }])
    const any = await valueMatches(f, { file: 'k8s/all.yaml', key: 'replicas', operator: '>=', value: 2 })
    expect(verdict(any)).toEqual(['pass', "'replicas' [1 of 2] 3 satisfies >= 2"])
    expect(verdict(await keyExists(f, 'k8s/all.yaml', 'name'))).toEqual([
      'pass',
      "key 'name' present in k8s/all.yaml (document 2, line 3)",
    ])
  })

  it('XML: a single element is a scalar, repeated ones a list', async () => {
    const xml = '<c>\n  <port>8443</port>\n  <host>a</host>\n  <host>b</host>\n</c>\n'
    const f = { 'c.xml': xml }
    expect(verdict(await valueMatches(f, { file: 'c.xml', key: 'c.port', operator: '>', value: 1024 }))).toEqual([
      'pass',
      `'c.port' = "8443" satisfies > 1024 (c.xml:2)`,
    ])
    expect(verdict(await valueMatches(f, { file: 'c.xml', key: 'c.host', pattern: '^[ab]$', match: 'all' }))).toEqual([
      'pass',
      "all 2 values of 'c.host' match ^[ab]$",
    ])
    expect(verdict(await valueMatches(f, { file: 'c.xml', key: 'c.host[1]', pattern: '^b$' }))).toEqual([
      'pass',
      `'c.host[1]' = "b" matches ^b$ (c.xml:4)`,
    ])
  })
})

describe('conformance cases for config types', () => {
  it('yaml bool pattern, json number, toml minimum, numeric string, non-numeric, match all', async () => {
    const cases: [Record<string, string>, Record<string, unknown>, string][] = [
      [
        { 'config/app.yaml': 'app:\n  name: portal\n  debug: false\n' },
        { file: 'config/app.yaml', key: 'app.debug', pattern: '^false$' },
        'pass',
      ],
      [
        { 'config/session.json': '{ "session": { "maxAgeSeconds": 900 } }\n' },
        { file: 'config/session.json', key: 'session.maxAgeSeconds', operator: '<=', value: 3600 },
        'pass',
      ],
      [
        { 'config/security.toml': '[auth]\nbcrypt_rounds = 8\n' },
        { file: 'config/security.toml', key: 'auth.bcrypt_rounds', operator: '>=', value: 12 },
        'fail',
      ],
      [
        { 'config/server.json': '{ "tls": { "port": "8443" } }\n' },
        { file: 'config/server.json', key: 'tls.port', operator: '==', value: 8443 },
        'pass',
      ],
      [
        { 'config/policy.yaml': 'password:\n  strength: high\n' },
        { file: 'config/policy.yaml', key: 'password.strength', operator: '>=', value: 3 },
        'error',
      ],
      [
        {
          'config/cors.yaml':
            'cors:\n  allowed_origins:\n    - https://portal.example.org\n    - http://localhost:3000\n',
        },
        { file: 'config/cors.yaml', key: 'cors.allowed_origins', pattern: '^https://', match: 'all' },
        'fail',
      ],
    ]
    for (const [files, params, status] of cases) {
      expect((await valueMatches(files, params)).status, JSON.stringify(params)).toBe(status)
    }
  })
})
