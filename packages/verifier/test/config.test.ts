import { describe, expect, it } from 'vitest'
import { configKeyExists } from '../src/evaluators/config.js'
import { keyExists, valueMatches, verdict } from './config-helpers.js'
import { makeContext } from './helpers.js'

describe('config_key_exists', () => {
  it('follows a dotted path with a list index into YAML', async () => {
    const yaml =
      'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          securityContext:\n            runAsNonRoot: true\n'
    const o = await keyExists(
      { 'k8s/deployment.yaml': yaml },
      'k8s/deployment.yaml',
      'spec.template.spec.containers[0].securityContext.runAsNonRoot',
    )
    expect(verdict(o)).toEqual([
      'pass',
      "key 'spec.template.spec.containers[0].securityContext.runAsNonRoot' present in k8s/deployment.yaml (line 9)",
    ])
    expect(o.examined).toEqual(['k8s/deployment.yaml'])
    expect(o.locations).toEqual([{ file: 'k8s/deployment.yaml', line: 9, snippet: '            runAsNonRoot: true' }])
  })

  it('fails for an absent key, an index past the end, an index into a mapping and a name into a list', async () => {
    const files = { 'config/app.yaml': 'server:\n  port: 8443\n  hosts: [a, b]\n' }
    for (const key of ['server.tls.enabled', 'server.hosts[2]', 'server[0]', 'server.hosts.name', 'server.port.x']) {
      expect(verdict(await keyExists(files, 'config/app.yaml', key))).toEqual([
        'fail',
        `key '${key}' not found in config/app.yaml`,
      ])
    }
    expect(verdict(await keyExists(files, 'config/app.yaml', 'server.hosts[1]'))).toEqual([
      'pass',
      "key 'server.hosts[1]' present in config/app.yaml (line 3)",
    ])
  })

  it('finds a key with a null or empty value', async () => {
    const json = '{\n  "oidc": {\n    "issuer": null,\n    "audience": ""\n  }\n}\n'
    expect(verdict(await keyExists({ 'config/auth.json': json }, 'config/auth.json', 'oidc.issuer'))).toEqual([
      'pass',
      "key 'oidc.issuer' present in config/auth.json (line 3)",
    ])
    const yaml = 'a:\n  b:\n  c: ~\n'
    expect(verdict(await keyExists({ 'c.yml': yaml }, 'c.yml', 'a.b'))).toEqual([
      'pass',
      "key 'a.b' present in c.yml (line 2)",
    ])
  })

  it('addresses names containing dots with quoted segments', async () => {
    const json = '{\n  "loggers": {\n    "app.security": { "level": "INFO" }\n  }\n}\n'
    const files = { 'config/logging.json': json }
    expect(verdict(await keyExists(files, 'config/logging.json', 'loggers."app.security".level'))).toEqual([
      'pass',
      `key 'loggers."app.security".level' present in config/logging.json (line 3)`,
    ])
    expect((await keyExists(files, 'config/logging.json', 'loggers.app.security.level')).status).toBe('fail')
  })

  it('names the document of a multi-document YAML file', async () => {
    const yaml = 'kind: Service\n---\nkind: Deployment\nspec:\n  replicas: 2\n---\nkind: ConfigMap\n'
    const files = { 'k8s/deploy.yaml': yaml }
    expect(verdict(await keyExists(files, 'k8s/deploy.yaml', 'spec.replicas'))).toEqual([
      'pass',
      "key 'spec.replicas' present in k8s/deploy.yaml (document 2, line 5)",
    ])
    expect(verdict(await keyExists(files, 'k8s/deploy.yaml', 'spec.template'))).toEqual([
      'fail',
      "key 'spec.template' not found in k8s/deploy.yaml (3 documents)",
    ])
  })

  it('resolves anchors, aliases and merge keys; explicit keys win over merged ones', async () => {
    const yaml = [
      'defaults: &defaults',
      '  timeout: 30',
      '  retries: 3',
      'extra: &extra',
      '  retries: 9',
      '  tls: true',
      'production:',
      '  <<: [*defaults, *extra]',
      '  retries: 5',
      'alias: *defaults',
      '',
    ].join('\n')
    const files = { 'svc.yaml': yaml }
    expect(verdict(await keyExists(files, 'svc.yaml', 'production.timeout'))).toEqual([
      'pass',
      "key 'production.timeout' present in svc.yaml (line 2)",
    ])
    expect(verdict(await keyExists(files, 'svc.yaml', 'production.tls'))).toEqual([
      'pass',
      "key 'production.tls' present in svc.yaml (line 6)",
    ])
    expect(verdict(await keyExists(files, 'svc.yaml', 'alias.retries'))).toEqual([
      'pass',
      "key 'alias.retries' present in svc.yaml (line 3)",
    ])
    expect(verdict(await valueMatches(files, { file: 'svc.yaml', key: 'production.retries', pattern: '^5$' }))).toEqual(
      ['pass', "'production.retries' = 5 matches ^5$ (svc.yaml:9)"],
    )
    // The first merge source wins over later ones.
    const merged = 'a: &a {k: 1}\nb: &b {k: 2}\nc:\n  <<: [*a, *b]\n'
    expect(verdict(await valueMatches({ 'm.yaml': merged }, { file: 'm.yaml', key: 'c.k', pattern: '^1$' }))).toEqual([
      'pass',
      "'c.k' = 1 matches ^1$ (m.yaml:1)",
    ])
    // A quoted "<<" is an ordinary key, not a merge.
    const quoted = 'a: &a {k: 1}\nc:\n  "<<": *a\n'
    expect((await keyExists({ 'q.yaml': quoted }, 'q.yaml', 'c.k')).status).toBe('fail')
    expect((await keyExists({ 'q.yaml': quoted }, 'q.yaml', 'c."<<".k')).status).toBe('pass')
  })

  it('bounds alias expansion: a billion-laughs file is an error, quickly', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i)
      const name = String.fromCharCode(97 + i)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
    }
    const started = Date.now()
    const o = await keyExists({ 'bomb.yaml': `${levels.join('\n')}\n` }, 'bomb.yaml', 'i')
    expect(verdict(o)).toEqual([
      'error',
      'cannot parse bomb.yaml at line 1: Excessive alias count indicates a resource exhaustion attack',
    ])
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('accepts a self-referencing alias without looping', async () => {
    const yaml = 'a: &a\n  name: x\n  self: *a\n'
    expect(verdict(await keyExists({ 'r.yaml': yaml }, 'r.yaml', 'a.self.self.self.name'))).toEqual([
      'pass',
      "key 'a.self.self.self.name' present in r.yaml (line 2)",
    ])
  })

  it('reports parse errors with the parser line', async () => {
    const cases: [string, string, string][] = [
      [
        'config/app.json',
        '{\n  "server": { "port": 8443, }\n',
        'cannot parse config/app.json at line 3: unexpected end of input',
      ],
      ['bad.json', '{\n  "a": 1,\n  b: 2\n}\n', `cannot parse bad.json at line 3: unexpected character "b"`],
      ['dup.yaml', 'a: 1\nb: 2\na: 3\n', 'cannot parse dup.yaml at line 3: Map keys must be unique'],
      ['bad.yaml', 'a:\n  - x\n b: [1\n', 'cannot parse bad.yaml at line 3: '],
      ['bad.toml', '[auth]\nrounds = \n', 'cannot parse bad.toml at line 2: invalid value'],
      [
        'dup.toml',
        'a = 1\na = 2\n',
        'cannot parse dup.toml at line 2: trying to redefine an already defined table or value',
      ],
      ['bad.xml', '<a>\n  <b>\n</a>\n', 'cannot parse bad.xml at line 3: '],
      ['bad.ini', '[ok]\na = 1\n[broken\n', 'cannot parse bad.ini at line 3: malformed section header'],
      ['bad.properties', 'a = \\u12G4\n', 'cannot parse bad.properties at line 1: malformed \\uxxxx escape'],
      ['.env', 'A="unterminated\nB=2\n', 'cannot parse .env at line 1: unterminated " quoted value of A'],
      ['alias.yaml', 'a: 1\nb: *missing\n', 'cannot parse alias.yaml at line 2: unresolved alias *missing'],
    ]
    for (const [file, content, details] of cases) {
      const o = await keyExists({ [file]: content }, file, 'a')
      expect(o.status, file).toBe('error')
      expect(o.details.startsWith(details), `${file}: ${o.details}`).toBe(true)
      expect(o.examined).toEqual([file])
    }
  })

  it('reads JSONC: comments, trailing commas, the last duplicate wins', async () => {
    const jsonc = '// settings\n{\n  /* block */ "a": 1,\n  "a": 2, // again\n  "list": [1, 2,],\n}\n'
    const files = { 'settings.jsonc': jsonc }
    expect(verdict(await valueMatches(files, { file: 'settings.jsonc', key: 'a', operator: '==', value: 2 }))).toEqual([
      'pass',
      "'a' = 2 satisfies == 2 (settings.jsonc:4)",
    ])
    expect(verdict(await keyExists(files, 'settings.jsonc', 'list[1]'))).toEqual([
      'pass',
      "key 'list[1]' present in settings.jsonc (line 5)",
    ])
  })

  it('handles a BOM and CRLF line ends', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf])
    const json = Buffer.concat([bom, Buffer.from('{\r\n  "a": {\r\n    "b": "x"\r\n  }\r\n}\r\n')])
    expect(verdict(await keyExists({ 'a.json': json }, 'a.json', 'a.b'))).toEqual([
      'pass',
      "key 'a.b' present in a.json (line 3)",
    ])
    const yaml = Buffer.concat([bom, Buffer.from('a:\r\n  b: yes\r\n')])
    const o = await valueMatches({ 'a.yaml': yaml }, { file: 'a.yaml', key: 'a.b', pattern: '^yes$' })
    expect(verdict(o)).toEqual(['pass', `'a.b' = "yes" matches ^yes$ (a.yaml:2)`])
    expect(o.locations).toEqual([{ file: 'a.yaml', line: 2, snippet: '  b: yes' }])
    const toml = Buffer.concat([bom, Buffer.from('[a]\r\nb = 1_000\r\n')])
    expect(verdict(await valueMatches({ 'a.toml': toml }, { file: 'a.toml', key: 'a.b', pattern: '^1_000$' }))).toEqual(
      ['pass', "'a.b' = 1_000 matches ^1_000$ (a.toml:2)"],
    )
    const ini = Buffer.concat([bom, Buffer.from('[a]\r\nb = c\r\n')])
    expect(verdict(await valueMatches({ 'a.ini': ini }, { file: 'a.ini', key: 'a.b', pattern: '^c$' }))).toEqual([
      'pass',
      `'a.b' = "c" matches ^c$ (a.ini:2)`,
    ])
  })

  it('refuses unsupported names, and fails for a missing file', async () => {
    expect(verdict(await keyExists({ 'config/app.conf': 'a=1\n' }, 'config/app.conf', 'a'))).toEqual([
      'error',
      'unsupported config format: config/app.conf',
    ])
    expect(verdict(await keyExists({}, './config/none.yaml', 'a'))).toEqual([
      'fail',
      'file not found: config/none.yaml',
    ])
    expect(verdict(await keyExists({}, '/etc/app.yaml', 'a'))).toEqual([
      'error',
      'absolute path not allowed: /etc/app.yaml',
    ])
  })

  it('never counts a commented-out key', async () => {
    const cases: [string, string][] = [
      ['a.json', '{\n  // "secret": 1,\n  /* "secret": 2 */ "other": 3\n}\n'],
      ['a.yaml', '# secret: 1\nother: 3\n'],
      ['a.toml', '# secret = 1\nother = 3\n'],
      ['a.ini', '; secret = 1\n# secret = 2\nother = 3\n'],
      ['.env', '# secret=1\nother=3\n'],
      ['a.properties', '# secret=1\n! secret=2\nother=3\n'],
      ['a.xml', '<root><!-- <secret>1</secret> --><other>3</other></root>\n'],
    ]
    for (const [file, content] of cases) {
      const key = file.endsWith('.xml') ? 'root.secret' : 'secret'
      expect(verdict(await keyExists({ [file]: content }, file, key)), file).toEqual([
        'fail',
        `key '${key}' not found in ${file}`,
      ])
    }
  })

  it('errors on binary files, and symlinks that leave the root', async () => {
    const binary = Buffer.from([0x7b, 0x00, 0x7d])
    expect(verdict(await keyExists({ 'bin.json': binary }, 'bin.json', 'a'))).toEqual([
      'error',
      'binary file where text is needed: bin.json',
    ])
    const ctx = await makeContext({ symlinks: { 'link.yaml': '../../outside.yaml' } })
    expect(verdict(await configKeyExists({ file: 'link.yaml', key: 'a' }, ctx))).toEqual([
      'error',
      'symlink resolves outside project root: link.yaml',
    ])
  })

  it('parses each file once per run', async () => {
    const ctx = await makeContext({ files: { 'a.yaml': 'a: 1\nb: 2\n' } })
    await configKeyExists({ file: 'a.yaml', key: 'a' }, ctx)
    await configKeyExists({ file: 'a.yaml', key: 'b' }, ctx)
    expect([...ctx.checkout.memo.keys()].filter((k) => k.startsWith('config:'))).toEqual(['config:a.yaml'])
  })
})

describe('TOML', () => {
  const toml = [
    'title = "svc"',
    '[server]',
    'port = 0x1F90',
    'timeout = 1_000',
    'ratio = 1.0',
    'started = 1979-05-27 07:32:00Z',
    'tls.enabled = true',
    '"dotted.name" = "q"',
    '[[servers]]',
    'host = "a"',
    '[[servers]]',
    'host = "b"',
    '[servers.limits]',
    'rps = 10',
    '[[servers.routes]]',
    'path = "/x"',
    '[owner]',
    'inline = { name = "n", nested = { deep = 1 } }',
    'ports = [ 8001,',
    '  8002 ]',
    'text = """',
    'fake = 1',
    '"""',
    '',
  ].join('\n')
  const files = { 'config/app.toml': toml }

  it('locates keys in tables, dotted keys, arrays of tables and inline tables', async () => {
    const lines: [string, number][] = [
      ['title', 1],
      ['server.port', 3],
      ['server.tls.enabled', 7],
      ['server."dotted.name"', 8],
      ['servers[0].host', 10],
      ['servers[1].host', 12],
      ['servers[1].limits.rps', 14],
      ['servers[1].routes[0].path', 16],
      ['owner.inline.nested.deep', 18],
      ['owner.ports[1]', 20],
      ['owner.text', 21],
    ]
    for (const [key, line] of lines) {
      expect(verdict(await keyExists(files, 'config/app.toml', key))).toEqual([
        'pass',
        `key '${key}' present in config/app.toml (line ${line})`,
      ])
    }
    for (const key of ['fake', 'owner.fake', 'servers[0].limits', 'servers[2].host']) {
      expect((await keyExists(files, 'config/app.toml', key)).status, key).toBe('fail')
    }
  })

  it('renders numbers and dates as written and compares them by value', async () => {
    const check = (key: string, params: Record<string, unknown>) =>
      valueMatches(files, { file: 'config/app.toml', key, ...params })
    expect(verdict(await check('server.port', { pattern: '^0x1F90$' }))).toEqual([
      'pass',
      "'server.port' = 0x1F90 matches ^0x1F90$ (config/app.toml:3)",
    ])
    expect(verdict(await check('server.port', { operator: '==', value: 8080 }))).toEqual([
      'pass',
      "'server.port' = 0x1F90 satisfies == 8080 (config/app.toml:3)",
    ])
    expect(verdict(await check('server.timeout', { operator: '<', value: '1000.5' }))).toEqual([
      'pass',
      "'server.timeout' = 1_000 satisfies < 1000.5 (config/app.toml:4)",
    ])
    expect(verdict(await check('server.ratio', { pattern: '^1\\.0$' }))).toEqual([
      'pass',
      "'server.ratio' = 1.0 matches ^1\\.0$ (config/app.toml:5)",
    ])
    expect(verdict(await check('server.started', { pattern: '^1979-05-27 07:32:00Z$' }))).toEqual([
      'pass',
      "'server.started' = 1979-05-27 07:32:00Z matches ^1979-05-27 07:32:00Z$ (config/app.toml:6)",
    ])
    expect(verdict(await check('server.started', { operator: '>', value: 1 }))).toEqual([
      'error',
      "value of 'server.started' is not numeric: 1979-05-27 07:32:00Z",
    ])
    expect(verdict(await check('owner.ports', { operator: '>', value: 8000, match: 'all' }))).toEqual([
      'pass',
      "all 2 values of 'owner.ports' satisfy > 8000",
    ])
  })

  it('fails a value below the minimum', async () => {
    const o = await valueMatches(
      { 'config/security.toml': '[auth]\nbcrypt_rounds = 8\n' },
      { file: 'config/security.toml', key: 'auth.bcrypt_rounds', operator: '>=', value: 12 },
    )
    expect(verdict(o)).toEqual(['fail', "'auth.bcrypt_rounds' = 8 does not satisfy >= 12 (config/security.toml:2)"])
    expect(o.locations).toEqual([{ file: 'config/security.toml', line: 2, snippet: 'bcrypt_rounds = 8' }])
  })
})

describe('INI', () => {
  const ini = [
    'debug = true',
    '; comment',
    '# comment',
    '[DEFAULT]',
    'timeout: 30',
    '[server]',
    'host = "example.org"',
    'timeout = 60',
    '[app.security]',
    'csrf = on ; trailing text stays',
    '[options]',
    'install_requires =',
    '    requests>=2.0',
    '    flask',
    'after = x',
    '',
  ].join('\n')
  const files = { 'setup.cfg': ini }

  it('addresses bare keys, sections, and DEFAULT keys in every section', async () => {
    const lines: [string, number][] = [
      ['debug', 1],
      ['DEFAULT.timeout', 5],
      ['server.timeout', 8],
      ['"app.security".timeout', 5],
      ['"app.security".csrf', 10],
      ['options.after', 15],
    ]
    for (const [key, line] of lines) {
      expect(verdict(await keyExists(files, 'setup.cfg', key))).toEqual([
        'pass',
        `key '${key}' present in setup.cfg (line ${line})`,
      ])
    }
    for (const key of ['timeout', 'options.requests>', 'options.flask', 'server.debug']) {
      expect((await keyExists(files, 'setup.cfg', key)).status, key).toBe('fail')
    }
  })

  it('keeps values as strings with their quotes, and reads continuation lines', async () => {
    expect(verdict(await valueMatches(files, { file: 'setup.cfg', key: 'server.host', pattern: '^"example' }))).toEqual(
      ['pass', `'server.host' = "\\"example.org\\"" matches ^"example (setup.cfg:7)`],
    )
    expect(
      verdict(await valueMatches(files, { file: 'setup.cfg', key: 'options.install_requires', pattern: '^flask$' })),
    ).toEqual(['fail', `'options.install_requires' = "\\nrequests>=2.0\\nflask" does not match ^flask$ (setup.cfg:12)`])
    expect(
      verdict(
        await valueMatches(files, { file: 'setup.cfg', key: '"app.security".timeout', operator: '<=', value: 30 }),
      ),
    ).toEqual(['pass', `'"app.security".timeout' = "30" satisfies <= 30 (setup.cfg:5)`])
    expect(verdict(await valueMatches(files, { file: 'setup.cfg', key: 'debug', pattern: '^true$' }))).toEqual([
      'pass',
      `'debug' = "true" matches ^true$ (setup.cfg:1)`,
    ])
  })
})

describe('dotenv', () => {
  const env = [
    'export SESSION_SECRET=from-vault',
    'LOG_LEVEL=info # the level',
    'URL=http://x/#frag',
    'QUOTED="a \\"b\\"\\nc"',
    "SINGLE='raw \\n'",
    'MULTI="line1',
    'line2"',
    'EMPTY=',
    'not a variable line',
    'LOG_LEVEL=debug',
    '',
  ].join('\n')
  const files = { '.env.production': env }
  const value = (key: string, pattern: string) => valueMatches(files, { file: '.env.production', key, pattern })

  it('reads export lines, comments and quotes', async () => {
    expect(verdict(await keyExists(files, '.env.production', 'SESSION_SECRET'))).toEqual([
      'pass',
      "key 'SESSION_SECRET' present in .env.production (line 1)",
    ])
    expect(verdict(await value('LOG_LEVEL', '^debug$'))).toEqual([
      'pass',
      `'LOG_LEVEL' = "debug" matches ^debug$ (.env.production:10)`,
    ])
    expect(verdict(await value('URL', 'frag$'))).toEqual([
      'pass',
      `'URL' = "http://x/#frag" matches frag$ (.env.production:3)`,
    ])
    expect(verdict(await value('QUOTED', '^a "b"\\nc$'))).toEqual([
      'pass',
      `'QUOTED' = "a \\"b\\"\\nc" matches ^a "b"\\nc$ (.env.production:4)`,
    ])
    expect(verdict(await value('SINGLE', '^raw \\\\n$'))).toEqual([
      'pass',
      `'SINGLE' = "raw \\\\n" matches ^raw \\\\n$ (.env.production:5)`,
    ])
    expect(verdict(await value('MULTI', '^line1\\nline2$'))).toEqual([
      'pass',
      `'MULTI' = "line1\\nline2" matches ^line1\\nline2$ (.env.production:6)`,
    ])
    expect(verdict(await keyExists(files, '.env.production', 'EMPTY'))).toEqual([
      'pass',
      "key 'EMPTY' present in .env.production (line 8)",
    ])
    expect((await keyExists(files, '.env.production', 'not')).status).toBe('fail')
  })

  it('recognises .env, .env.* and *.env names', async () => {
    for (const file of ['.env', 'deploy/.env.local', 'prod.env']) {
      expect((await keyExists({ [file]: 'A=1\n' }, file, 'A')).status, file).toBe('pass')
    }
  })
})

describe('Java properties', () => {
  const props = [
    '# comment',
    '! also a comment',
    'spring.datasource.url=jdbc:postgresql://db/app',
    'server.port : 8443',
    'app.name   My App',
    'app.long = first, \\',
    '    second',
    'key\\ with\\ spaces = v',
    'unicode = caf\\u00e9',
    'list[0] = a',
    '',
  ].join('\n')
  const files = { 'application.properties': props }

  it('joins the key path into the property name', async () => {
    const lines: [string, number][] = [
      ['spring.datasource.url', 3],
      ['server.port', 4],
      ['app.name', 5],
      ['"key with spaces"', 8],
      ['list[0]', 10],
    ]
    for (const [key, line] of lines) {
      expect(verdict(await keyExists(files, 'application.properties', key))).toEqual([
        'pass',
        `key '${key}' present in application.properties (line ${line})`,
      ])
    }
    expect((await keyExists(files, 'application.properties', 'spring.datasource')).status).toBe('fail')
  })

  it('decodes separators, continuation lines and escapes', async () => {
    const value = (key: string, pattern: string) =>
      valueMatches(files, { file: 'application.properties', key, pattern })
    expect(verdict(await value('server.port', '^8443$'))).toEqual([
      'pass',
      `'server.port' = "8443" matches ^8443$ (application.properties:4)`,
    ])
    expect(verdict(await value('app.name', '^My App$'))).toEqual([
      'pass',
      `'app.name' = "My App" matches ^My App$ (application.properties:5)`,
    ])
    expect(verdict(await value('app.long', '^first, second$'))).toEqual([
      'pass',
      `'app.long' = "first, second" matches ^first, second$ (application.properties:6)`,
    ])
    expect(verdict(await value('unicode', '^café$'))).toEqual([
      'pass',
      `'unicode' = "café" matches ^café$ (application.properties:9)`,
    ])
  })
})

describe('XML', () => {
  const xml = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<configuration xmlns:x="urn:x">',
    '  <system.web>',
    '    <httpCookies',
    '        httpOnlyCookies="true"',
    '        requireSSL=" yes " />',
    '    <origin>https://a.example</origin>',
    '    <origin> http://b.example </origin>',
    '    <x:setting>A &amp; B &#65;</x:setting>',
    '    <raw><![CDATA[ <&amp;> ]]></raw>',
    '    <empty/>',
    '  </system.web>',
    '</configuration>',
    '',
  ].join('\n')
  const files = { 'web.config.xml': xml }
  const value = (key: string, params: Record<string, unknown>) =>
    valueMatches(files, { file: 'web.config.xml', key, ...params })

  it('addresses elements from the root, attributes with @, prefixes as written', async () => {
    const lines: [string, number][] = [
      ['configuration."system.web".httpCookies.@requireSSL', 6],
      ['configuration."system.web".httpCookies.@httpOnlyCookies', 5],
      ['configuration."system.web".origin[1]', 8],
      ['configuration."system.web".x:setting', 9],
      ['configuration."system.web".empty', 11],
      ['configuration.@xmlns:x', 2],
    ]
    for (const [key, line] of lines) {
      expect(verdict(await keyExists(files, 'web.config.xml', key))).toEqual([
        'pass',
        `key '${key}' present in web.config.xml (line ${line})`,
      ])
    }
    for (const key of [
      'system.web',
      'configuration.origin',
      'configuration."system.web".origin[2]',
      'configuration."system.web".setting',
    ]) {
      expect((await keyExists(files, 'web.config.xml', key)).status, key).toBe('fail')
    }
  })

  it('takes attribute values as they are, trims text and decodes the XML entities', async () => {
    expect(verdict(await value('configuration."system.web".httpCookies.@requireSSL', { pattern: '^ yes $' }))).toEqual([
      'pass',
      `'configuration."system.web".httpCookies.@requireSSL' = " yes " matches ^ yes $ (web.config.xml:6)`,
    ])
    expect(verdict(await value('configuration."system.web".x:setting', { pattern: '^A & B A$' }))).toEqual([
      'pass',
      `'configuration."system.web".x:setting' = "A & B A" matches ^A & B A$ (web.config.xml:9)`,
    ])
    expect(verdict(await value('configuration."system.web".raw', { pattern: '^<&amp;>$' }))).toEqual([
      'pass',
      `'configuration."system.web".raw' = "<&amp;>" matches ^<&amp;>$ (web.config.xml:10)`,
    ])
  })

  it('treats repeated elements as a list of candidates', async () => {
    expect(verdict(await value('configuration."system.web".origin', { pattern: '^https://', match: 'all' }))).toEqual([
      'fail',
      `'configuration."system.web".origin' [2 of 2] "http://b.example" does not match ^https://`,
    ])
    expect(verdict(await value('configuration."system.web".origin', { pattern: '^https://' }))).toEqual([
      'pass',
      `'configuration."system.web".origin' [1 of 2] "https://a.example" matches ^https://`,
    ])
    expect(verdict(await value('configuration."system.web"', { pattern: 'x' }))).toEqual([
      'error',
      `'configuration."system.web"' is not a scalar or list of scalars`,
    ])
  })

  it('never resolves a DOCTYPE or its external entities', async () => {
    const xxe = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE config [',
      '  <!ENTITY xxe SYSTEM "file:///etc/passwd">',
      '  <!ENTITY inner "expanded">',
      ']>',
      '<config><secret>&xxe;</secret><name>&inner;</name></config>',
      '',
    ].join('\n')
    const f = { 'app.xml': xxe }
    expect(verdict(await valueMatches(f, { file: 'app.xml', key: 'config.secret', pattern: 'root:' }))).toEqual([
      'fail',
      `'config.secret' = "&xxe;" does not match root: (app.xml:6)`,
    ])
    expect(verdict(await valueMatches(f, { file: 'app.xml', key: 'config.name', pattern: 'expanded' }))).toEqual([
      'fail',
      `'config.name' = "&inner;" does not match expanded (app.xml:6)`,
    ])
  })

  it('refuses a document with several root elements', async () => {
    expect(verdict(await keyExists({ 'two.xml': '<a/>\n<b/>\n' }, 'two.xml', 'a'))).toEqual([
      'error',
      'cannot parse two.xml at line 2: a document must have exactly one root element',
    ])
  })
})
