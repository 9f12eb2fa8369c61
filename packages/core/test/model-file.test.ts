import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  MAX_MODEL_ASSERTIONS,
  MAX_MODEL_CONTROLS,
  type ModelFile,
  parseModelFile,
  serializeModelFile,
} from '../src/index.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

/** [path, code, line, column] of every error, in the order reported. */
function errorsOf(text: string, format: 'yaml' | 'json' = 'yaml') {
  const r = parseModelFile(text, format)
  if (r.ok) throw new Error('expected errors')
  return r.errors.map((e) => [e.path, e.code, e.line, e.column])
}

function parsed(text: string, format: 'yaml' | 'json' = 'yaml'): ModelFile {
  const r = parseModelFile(text, format)
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2))
  return r.file
}

const HEAD = 'format: warrant.model/v1\nmodel:\n  title: Payments API\n'

describe('the §8.4 example', () => {
  const yaml = fixture('payments-api.model.yaml')

  it('parses with zero errors', () => {
    const file = parsed(yaml)
    expect(file.model).toEqual({
      title: 'Payments API',
      description:
        'Public REST API that takes card payments from the web shop and the mobile app,\n' +
        'keeps payment intents in PostgreSQL and forwards card data to the acquirer.\n',
      repos: ['acme/payments-api', 'acme/payments-infra'],
    })
    expect(file.revision_note).toBe('Imported from the threat-modelling workshop of 12 March.')
    expect(
      [file.assets, file.attackers, file.assumptions, file.control_objectives, file.controls].map((l) => l.length),
    ).toEqual([2, 2, 1, 3, 3])
    expect(file.assumptions[0]).toEqual({
      id: 'AS-01',
      description: 'The managed load balancer terminates TLS and offers only TLS 1.2 or later.',
      objective_ids: ['CO-01'],
      owner: 'platform-team',
      review_by: '2026-01-31',
    })
    expect(file.control_objectives[2]).toEqual({
      id: 'CO-03',
      statement: 'Only pinned, reviewed dependency versions reach production.',
      attacker_id: 'T-02',
      property: 'integrity',
      risk_tier: 'medium',
    })
    const [ctrl1, ctrl2, ctrl3] = file.controls
    expect(ctrl1!.description).toBe(
      'Every route under /v1/payments passes through the JWT middleware, which answers 401 to missing, expired or wrongly signed tokens before any handler runs.\n',
    )
    expect(ctrl1!.evidence_links).toEqual([
      {
        kind: 'document',
        label: 'Authentication design note',
        url: 'https://wiki.example.com/payments/authentication',
      },
    ])
    expect(ctrl1!.assertions[1]).toEqual({
      type: 'pattern_matches',
      params: {
        file: 'app/main.py',
        pattern: 'add_middleware\\(\\s*JWTAuthMiddleware',
        multiline: false,
        dotall: false,
        ignore_case: false,
      },
      description: 'The middleware is registered on the application, so every route passes through it.',
      repo: 'acme/payments-api',
    })
    expect(ctrl2!.implementation_status).toBeUndefined()
    expect(ctrl3).toEqual({
      id: 'CTRL-03',
      title: 'Pin dependency versions',
      description: 'Every runtime dependency of the API is pinned to an exact, reviewed version.',
      objective_ids: ['CO-03'],
      intents: ['supply_chain'],
      evidence_links: [],
      assertions: [],
    })
  })

  it('reads the same from its JSON equivalent', () => {
    expect(parsed(fixture('payments-api.model.json'), 'json')).toEqual(parsed(yaml))
  })

  it('round-trips through export in both formats, deterministically', () => {
    const file = parsed(yaml)
    for (const format of ['yaml', 'json'] as const) {
      const text = serializeModelFile(file, format)
      expect(parsed(text, format)).toEqual(file)
      expect(serializeModelFile(parsed(text, format), format)).toBe(text)
    }
  })

  it('exports YAML in the example’s style: §8.2 member order, lists of ids on one line, no anchors', () => {
    const text = serializeModelFile(parsed(yaml), 'yaml')
    expect(text.startsWith('format: warrant.model/v1\nmodel:\n  title: Payments API\n  description: |\n')).toBe(true)
    expect(text).toContain('  repos: [acme/payments-api, acme/payments-infra]\n')
    expect(text).toContain(
      '  - id: CTRL-03\n    title: Pin dependency versions\n    description: Every runtime dependency of the API is pinned to an exact, reviewed version.\n    objective_ids: [CO-03]\n    intents: [supply_chain]\n',
    )
    expect(text).not.toMatch(/(^|[\s[{,])[&*!][\w-]/m)
    expect(text).not.toContain('evidence_links: []')
  })
})

describe('YAML outside the JSON-compatible subset', () => {
  it('refuses anchors and aliases where they are written', () => {
    expect(errorsOf(`${HEAD}  description: &d Payments\nrevision_note: *d\n`)).toEqual([
      ['/model/description', 'yaml_unsupported', 4, 19],
      ['/revision_note', 'yaml_unsupported', 5, 16],
    ])
  })

  it('refuses tags, merge keys and keys that are not strings', () => {
    expect(errorsOf(`${HEAD}  description: !!str 12\n`)).toEqual([['/model/description', 'yaml_unsupported', 4, 22]])
    expect(errorsOf(`${HEAD}  <<: {description: x}\n`)).toEqual([['/model', 'yaml_unsupported', 4, 3]])
    expect(errorsOf(`${HEAD}1: x\n`)).toEqual([['', 'yaml_unsupported', 4, 1]])
  })

  it.each(['1.5', '1.0', '1e3', '.inf', '.nan', '0x1F', '0o17', '+1', '9007199254740992'])(
    'refuses the number %s: integers within ±(2^53 − 1) only',
    (n) => {
      expect(errorsOf(`${HEAD}  description: ${n}\n`)).toEqual([['/model/description', 'validation_failed', 4, 16]])
    },
  )

  it('refuses duplicate keys at the repeated key', () => {
    expect(errorsOf(`${HEAD}  title: Again\n`)).toEqual([['', 'duplicate_key', 4, 3]])
  })

  it('reports syntax errors, several documents and other YAML versions', () => {
    expect(errorsOf(`${HEAD}controls: [a\n`)).toEqual([['', 'invalid_yaml', 5, 1]])
    expect(errorsOf(`${HEAD}---\nformat: x\n`)).toEqual([['', 'invalid_yaml', 4, 1]])
    expect(errorsOf(`%YAML 1.1\n---\n${HEAD}`)).toEqual([['', 'yaml_unsupported', 1, 1]])
  })

  it('reads quoted numbers, dates and words as strings, and true/false/null as JSON does', () => {
    const file = parsed(
      `${HEAD}  description: '1.5'\nassumptions:\n  - id: AS-01\n    description: "yes"\n    owner: no\n    review_by: 2026-01-31\n`,
    )
    expect(file.model.description).toBe('1.5')
    expect(file.assumptions[0]).toEqual({ id: 'AS-01', description: 'yes', owner: 'no', review_by: '2026-01-31' })
    expect(errorsOf(`${HEAD}  description: true\n`)).toEqual([['/model/description', 'validation_failed', 4, 3]])
  })
})

describe('JSON model files', () => {
  it('are parsed strictly, with the position of the first syntax error', () => {
    expect(errorsOf('{"format": "warrant.model/v1",\n "model": {"title": "x",}}', 'json')).toEqual([
      ['', 'invalid_json', 2, 25],
    ])
    expect(errorsOf('{"format": "warrant.model/v1",\n "model": {"title": "x", "title": "y"}}', 'json')).toEqual([
      ['', 'duplicate_key', 2, 26],
    ])
    expect(errorsOf('{"format": "warrant.model/v1",\n "model": {"title": 1.5}}', 'json')).toEqual([
      ['', 'validation_failed', 2, 21],
    ])
  })

  it('place schema errors at the member name or element', () => {
    const text =
      '{\n  "format": "warrant.model/v1",\n  "model": {"title": "x", "owner": "me"},\n  "assets": [\n    {"id": "A-01", "name": "x", "impact": "severe"}\n  ]\n}\n'
    expect(errorsOf(text, 'json')).toEqual([
      ['/model/owner', 'unknown_field', 3, 27],
      ['/assets/0/impact', 'validation_failed', 5, 33],
    ])
  })
})

describe('field rules', () => {
  it('collects every error of a file, each with its path, code, line and column', () => {
    const text = `format: warrant.model/v2
model:
  title: ${'x'.repeat(201)}
  repos: [acme/api, not a repo]
  owner: me
assets:
  - id: a-01
    name: Cardholder data
    properties: [secrecy]
    impact: severe
  - id: A-02
    name: Tokens
  - id: A-02
    name: Tokens again
attackers:
  - id: T-01
    likelihood: always
assumptions:
  - id: AS-01
    description: TLS terminates at the load balancer.
    objective_ids: [CO-09]
    review_by: 2026-02-30
control_objectives:
  - id: CO-01
    statement: Only customers can pay.
    asset_id: A-09
    attacker_id: T-01
    risk_tier: extreme
controls:
  - id: CTRL-01
    title: Authenticate
    description: ""
    objective_ids: []
    intents: [authn]
    implementation_status: implemented
    evidence_links:
      - kind: wiki
        label: Design
        url: ftp://example.com/x
  - id: CTRL-02
    title: No eval
    description: No eval.
    objective_ids: [CO-01]
    assertions:
      - type: pattern_absent
        params: {file: /etc/passwd, pattern: 'a*'}
        description: No eval.
      - type: file_exists
        params: {file: a.py}
        description: Exists.
        repo: ""
      - type: file_exists
        params: {file: b.py}
        description: Exists.
      - type: file_exists
        params: {file: b.py}
        description: Exists.
`
    expect(errorsOf(text)).toEqual([
      ['/format', 'validation_failed', 1, 1],
      ['/model/title', 'title_too_long', 3, 3],
      ['/model/repos/1', 'repo_invalid', 4, 21],
      ['/model/owner', 'unknown_field', 5, 3],
      ['/assets/0/id', 'validation_failed', 7, 5],
      ['/assets/0/properties/0', 'validation_failed', 9, 18],
      ['/assets/0/impact', 'validation_failed', 10, 5],
      ['/assets/2/id', 'id_conflict', 13, 5],
      ['/attackers/0/name', 'validation_failed', 16, 5],
      ['/attackers/0/likelihood', 'validation_failed', 17, 5],
      ['/assumptions/0/objective_ids/0', 'reference_unknown', 21, 21],
      ['/assumptions/0/review_by', 'validation_failed', 22, 5],
      ['/control_objectives/0/asset_id', 'reference_unknown', 26, 5],
      ['/control_objectives/0/risk_tier', 'validation_failed', 28, 5],
      ['/controls/0/description', 'description_invalid', 32, 5],
      ['/controls/0/objective_ids', 'validation_failed', 33, 5],
      ['/controls/0/intents/0', 'validation_failed', 34, 15],
      ['/controls/0/implementation_status', 'assertions_required', 35, 5],
      ['/controls/0/evidence_links/0/kind', 'validation_failed', 37, 9],
      ['/controls/0/evidence_links/0/url', 'url_invalid', 39, 9],
      ['/controls/1/assertions/0/params/file', 'path_invalid', 46, 18],
      ['/controls/1/assertions/0/params/pattern', 'regex_unsupported', 46, 37],
      ['/controls/1/assertions/1/repo', 'repo_invalid', 51, 9],
      ['/controls/1/assertions/3', 'duplicate_assertion', 55, 9],
    ])
  })

  it('gives each error a message for people', () => {
    const r = parseModelFile(`${HEAD}  colour: blue\n`, 'yaml')
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          path: '/model/colour',
          line: 4,
          column: 3,
          code: 'unknown_field',
          message: "unknown member 'colour' of 'model'",
        },
      ],
    })
  })

  it('requires format and model, and a mapping at the top', () => {
    expect(errorsOf('model:\n  title: x\n')).toEqual([['/format', 'validation_failed', 1, 1]])
    expect(errorsOf('format: warrant.model/v1\n')).toEqual([['/model', 'validation_failed', 1, 1]])
    expect(errorsOf('- a\n')).toEqual([['', 'validation_failed', 1, 1]])
    expect(errorsOf('')).toEqual([['', 'validation_failed', 1, 1]])
    expect(errorsOf(`${HEAD}extra: 1\n`)).toEqual([['/extra', 'unknown_field', 4, 1]])
  })

  it('counts text limits in UTF-8 bytes: titles 200 B, descriptions 2 KiB, the model description 16 KiB', () => {
    const yaml = (title: string, modelDescription: string, note: string) =>
      `format: warrant.model/v1\nmodel:\n  title: ${title}\n  description: ${modelDescription}\nrevision_note: ${note}\n`
    expect(parsed(yaml('é'.repeat(100), 'é'.repeat(8192), 'é'.repeat(1024))).model.title).toBe('é'.repeat(100))
    expect(errorsOf(yaml(`${'é'.repeat(100)}x`, `${'é'.repeat(8192)}x`, `${'é'.repeat(1024)}x`))).toEqual([
      ['/model/title', 'title_too_long', 3, 3],
      ['/model/description', 'description_too_long', 4, 3],
      ['/revision_note', 'description_too_long', 5, 1],
    ])
    expect(errorsOf(`${HEAD}assets:\n  - id: A-01\n    name: x\n    description: ${'d'.repeat(2049)}\n`)).toEqual([
      ['/assets/0/description', 'description_too_long', 7, 5],
    ])
    expect(errorsOf(`${HEAD}attackers:\n  - id: T-01\n    name: x\n    position: ${'p'.repeat(201)}\n`)).toEqual([
      ['/attackers/0/position', 'title_too_long', 7, 5],
    ])
  })

  it.each(['co-01', '1CO', 'CO_01', 'CO--1', 'CO-', `C${'O'.repeat(32)}`, '42'])(
    'refuses the model-local id %s',
    (id) => {
      expect(errorsOf(`${HEAD}control_objectives:\n  - id: ${id}\n    statement: x\n`)).toEqual([
        ['/control_objectives/0/id', 'validation_failed', 5, 5],
      ])
    },
  )

  it('resolves references that point forward in the file', () => {
    const file = parsed(
      `${HEAD}assumptions:\n  - id: AS-01\n    description: x\n    objective_ids: [CO-01]\ncontrol_objectives:\n  - id: CO-01\n    statement: x\n    asset_id: A-01\nassets:\n  - id: A-01\n    name: x\n`,
    )
    expect(file.control_objectives[0]!.asset_id).toBe('A-01')
  })

  it('lets a control have no objectives only when the model has none', () => {
    const control = 'controls:\n  - id: CTRL-01\n    title: x\n    description: x\n    objective_ids: []\n'
    expect(parsed(`${HEAD}${control}`).controls[0]!.objective_ids).toEqual([])
  })

  it('checks evidence link urls: http or https, at most 2 KiB', () => {
    const link = (url: string) =>
      `${HEAD}controls:\n  - id: CTRL-01\n    title: x\n    description: x\n    objective_ids: []\n    evidence_links:\n      - kind: url\n        label: x\n        url: ${url}\n`
    expect(parsed(link('http://example.com/a')).controls[0]!.evidence_links[0]!.url).toBe('http://example.com/a')
    for (const url of ['javascript:alert(1)', 'example.com/x', `https://example.com/${'a'.repeat(2030)}`]) {
      expect(errorsOf(link(url)), url).toEqual([['/controls/0/evidence_links/0/url', 'url_invalid', 12, 9]])
    }
  })

  it('keeps assertion ids of exports and refuses malformed or repeated ones', () => {
    const assertion = (id: string, file = 'SECURITY.md') =>
      `      - id: ${id}\n        type: file_exists\n        params: {file: ${file}}\n        description: x\n`
    const control = `controls:\n  - id: CTRL-01\n    title: x\n    description: x\n    objective_ids: []\n    assertions:\n`
    const id = 'asr_01J8Z3V9YQ4K2M7N5P6R8S0T1W'
    expect(parsed(`${HEAD}${control}${assertion(id)}`).controls[0]!.assertions[0]!.id).toBe(id)
    expect(errorsOf(`${HEAD}${control}${assertion('a1')}`)).toEqual([
      ['/controls/0/assertions/0/id', 'validation_failed', 10, 9],
    ])
    expect(errorsOf(`${HEAD}${control}${assertion(id)}${assertion(id, 'README.md')}`)).toEqual([
      ['/controls/0/assertions/1/id', 'id_conflict', 14, 9],
    ])
  })

  it('validates assertions exactly as a submission, with file paths', () => {
    const text = `${HEAD}controls:\n  - id: CTRL-01\n    title: x\n    description: x\n    objective_ids: []\n    assertions:\n      - type: function_exists\n        params:\n          file: a.py\n        description: x\n        tier: 1\n      - type: no_such_type\n        params: {}\n        description: x\n`
    expect(errorsOf(text)).toEqual([
      ['/controls/0/assertions/0/params/name', 'param_missing', 11, 9],
      ['/controls/0/assertions/0/tier', 'unknown_field', 14, 9],
      ['/controls/0/assertions/1/type', 'unknown_assertion_type', 15, 9],
    ])
  })

  it('caps a model at 2,000 controls and 10,000 assertions', () => {
    const control = (i: number, assertions: number) => ({
      id: `CTRL-${i}`,
      title: 'x',
      description: 'x',
      objective_ids: [],
      assertions: Array.from({ length: assertions }, (_, k) => ({
        type: 'file_exists',
        params: { file: `f${k}.md` },
        description: 'x',
      })),
    })
    const file = (controls: object[]) =>
      JSON.stringify({ format: 'warrant.model/v1', model: { title: 'x' }, controls }, null, 1)
    expect(
      parsed(file(Array.from({ length: MAX_MODEL_CONTROLS }, (_, i) => control(i, 0))), 'json').controls,
    ).toHaveLength(MAX_MODEL_CONTROLS)
    expect(errorsOf(file(Array.from({ length: MAX_MODEL_CONTROLS + 1 }, (_, i) => control(i, 0))), 'json')).toEqual([
      ['/controls', 'model_control_limit', 6, 2],
    ])
    const perControl = MAX_MODEL_ASSERTIONS / 10
    const full = Array.from({ length: 10 }, (_, i) => control(i, perControl))
    expect(parsed(file(full), 'json').controls).toHaveLength(10)
    expect(errorsOf(file([...full, control(10, 1)]), 'json')).toEqual([['/controls', 'model_assertion_limit', 6, 2]])
  })

  it('resolves references to the stored model on an update import', () => {
    const text = `${HEAD}controls:\n  - id: CTRL-01\n    title: x\n    description: x\n    objective_ids: [CO-07]\n    implementation_status: implemented\n`
    expect(errorsOf(text)).toEqual([
      ['/controls/0/objective_ids/0', 'reference_unknown', 8, 21],
      ['/controls/0/implementation_status', 'assertions_required', 9, 5],
    ])
    const r = parseModelFile(text, 'yaml', {
      existing: { control_objectives: ['CO-07'], controls_with_assertions: ['CTRL-01'] },
    })
    expect(r.ok).toBe(true)
  })
})

describe('export round trip', () => {
  const awkward = [
    '',
    ' leading and trailing ',
    'two trailing newlines\n\n',
    '  indented\nsecond line\n',
    'null',
    '~',
    '123',
    '1.5',
    'true',
    'yes',
    '- item',
    'key: value',
    '# not a comment',
    "'single'",
    '"double"',
    '&anchor *alias !tag',
    'é😀',
    'tab\there',
    'control\u0001char',
    '@at {brace} [bracket]',
    '2026-01-31',
  ]

  it.each(['yaml', 'json'] as const)('keeps every string exactly (%s)', (format) => {
    const file: ModelFile = {
      format: 'warrant.model/v1',
      model: { title: 'Awkward strings' },
      assets: awkward.map((notes, i) => ({ id: `A-${i}`, name: `asset ${i}`, notes })),
      attackers: [],
      assumptions: [],
      control_objectives: [],
      controls: [
        {
          id: 'CTRL-01',
          title: 'x',
          description: 'x',
          objective_ids: [],
          evidence_links: [],
          assertions: [
            {
              id: 'asr_01J8Z3V9YQ4K2M7N5P6R8S0T1W',
              type: 'pattern_absent',
              params: {
                glob: 'src/**/*.{js,ts}',
                pattern: '\\beval\\s*\\(',
                multiline: false,
                dotall: false,
                ignore_case: true,
              },
              description: 'No eval: "quoted" and \\backslashed\\.',
              repo: null,
            },
            {
              type: 'test_passes',
              params: { command: ['npm', 'test', '--', '--grep', '#auth'], timeout_s: 600 },
              description: 'Tests pass.',
              repo: 'acme/api',
            },
          ],
        },
      ],
    }
    const text = serializeModelFile(file, format)
    expect(parsed(text, format)).toEqual(file)
  })
})
