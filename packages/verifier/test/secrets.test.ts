import { CATALOGUE, validateParams } from '@warrant/core'
import { describe, expect, it } from 'vitest'
import { noPlaintextSecret } from '../src/evaluators/secrets.js'
import { makeContext } from './helpers.js'

// Secrets are assembled from pieces so that this file itself does not look like a leak to scanners.
const AWS_KEY = 'AKIA' + 'EFJ7MBH2KDQOI2CT'
const GITHUB_PAT = 'ghp' + '_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'
const GITHUB_FINE = 'github' + '_pat_' + '11ABCDEFG0123456789_abcdefXYZ'
const SLACK = 'xox' + 'b-' + '1234567890-abcdefGHIJ'
const STRIPE = 'sk' + '_live_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3'
const GOOGLE = 'AI' + 'za' + 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'
const HIGH_ENTROPY = 'LGShtXP608dW84uTSjdO'
const PEM_BEGIN = '-----BEGIN ' + 'RSA PRIVATE KEY-----'

async function scan(files: Record<string, string | Buffer>, params: Record<string, unknown>) {
  const ctx = await makeContext({ files })
  return noPlaintextSecret(params, ctx)
}

const scanOne = (text: string, name = 'src/app.py') => scan({ [name]: text }, { file: name })

describe('no_plaintext_secret built-in detectors', () => {
  it.each([
    ['aws-access-key-id', `key = ${AWS_KEY}\n`],
    ['github-token', `x ${GITHUB_PAT}\n`],
    ['github-token', `x ${GITHUB_FINE}\n`],
    ['slack-token', `hook ${SLACK}\n`],
    ['stripe-live-key', `stripe ${STRIPE}\n`],
    ['google-api-key', `maps ${GOOGLE}\n`],
    ['private-key', `${PEM_BEGIN}\n`],
  ])('flags %s', async (rule, text) => {
    const out = await scanOne(`\n${text}`)
    expect(out.status).toBe('fail')
    expect(out.details).toBe(`1 possible secret: ${rule} at src/app.py:2`)
    expect(out.noSnippets).toBe(true)
    expect(out.locations).toHaveLength(1)
    expect(out.locations![0]!.snippet).toBeUndefined()
    expect(out.locations![0]!.line).toBe(2)
  })

  it('flags a high-entropy literal assigned to a secret-like name, naming the variable', async () => {
    const out = await scanOne(`client_id = "web-portal"\nclient_secret = "${HIGH_ENTROPY}"\n`)
    expect(out.status).toBe('fail')
    expect(out.details).toBe("1 possible secret: generic-assignment 'client_secret' at src/app.py:2")
    expect(out.locations).toEqual([{ file: 'src/app.py', line: 2, column: 1 }])
    expect(out.examined).toEqual(['src/app.py'])
  })

  it.each([
    ['Go :=', `apiKey := "${HIGH_ENTROPY}"\n`, 'apiKey'],
    ['PHP =>', `'db_password' => '${HIGH_ENTROPY}',\n`, 'db_password'],
    ['JSON key', `{"accessKey": "${HIGH_ENTROPY}"}\n`, 'accessKey'],
    ['annotated Python', `TOKEN: str = "${HIGH_ENTROPY}"\n`, 'TOKEN'],
    ['Go typed const', `const Password string = "${HIGH_ENTROPY}"\n`, 'Password'],
    ['subscript', `app.config['SECRET_KEY'] = '${HIGH_ENTROPY}'\n`, 'SECRET_KEY'],
    ['Java field', `private static final String API_KEY = "${HIGH_ENTROPY}";\n`, 'API_KEY'],
  ])('flags a generic assignment (%s)', async (_, text, name) => {
    const out = await scanOne(text)
    expect(out.details).toBe(`1 possible secret: generic-assignment '${name}' at src/app.py:1`)
  })

  it('reads unquoted scalars in config files only', async () => {
    const yaml = await scanOne(`db:\n  password: ${HIGH_ENTROPY}\n`, 'config/app.yaml')
    expect(yaml.details).toBe("1 possible secret: generic-assignment 'password' at config/app.yaml:2")
    const env = await scanOne(`DB_PASSWORD=${HIGH_ENTROPY} # prod\n`, '.env.production')
    expect(env.details).toBe("1 possible secret: generic-assignment 'DB_PASSWORD' at .env.production:1")
    const props = await scanOne(`db.password=${HIGH_ENTROPY}\n`, 'app.properties')
    expect(props.status).toBe('fail')
    const code = await scanOne(`password = ${HIGH_ENTROPY}\n`, 'src/app.py')
    expect(code.status).toBe('pass')
  })

  it.each([
    [
      'an environment read',
      'DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]\nAPI_TOKEN = os.getenv("API_TOKEN", "")\n',
    ],
    ['a config call', 'secret_key = config("SECRET_KEY")\n'],
    ['an empty value', 'password = ""\n'],
    ['a your- placeholder', 'SMTP_PASSWORD = "your-smtp-password"\n'],
    ['a your_ placeholder', 'SMTP_PASSWORD = "your_smtp-pass-9f8a7b"\n'],
    ['an xxx placeholder', 'api_key = "XXX-9f8a7b6c5d4e3f"\n'],
    ['changeme', 'password = "Changeme-9f8a7b6c5d"\n'],
    ['example', 'secret = "Qw8-EXAMPLE-zX7v"\n'],
    ['dummy', 'token = "dummy-9f8a7b6c5d4e"\n'],
    ['stars', 'password = "****************"\n'],
    ['angle brackets', 'api_key = "<paste-the-key-here-9f8a>"\n'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text ${…} is the case under test
    ['a ${} template', 'password = "${DB_PASSWORD_FROM_VAULT}"\n'],
    ['a {{}} template', 'token: "{{ .Values.apiToken }}"\n'],
    ['a low-entropy value', 'password = "aaaaaaaaaaaaaaaaaaaa"\n'],
    ['a short value', 'password = "Xk8#pQ2!"\n'],
    ['a comparison', `if password == "${HIGH_ENTROPY}":\n`],
    ['an f-string', `token = f"Bearer {session_token_value}"\n`],
    ['an AWS example key', `aws = ${'AKIA' + 'IOSFODNN7EXAMPLE'}\n`],
  ])('never flags %s', async (_, text) => {
    const out = await scanOne(text)
    expect(out.details).toBe('no secrets found in 1 file (built-in detectors)')
    expect(out.status).toBe('pass')
  })

  it.each([
    ['bcrypt', '$2b$12$snK7qJ5IINiGJGEVn4YwnRALvJAqFfKwYYyxIFIrPmaiomRSHPrrB'],
    ['argon2', '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG'],
    ['pbkdf2', '$pbkdf2-sha256$29000$N2bM.f9Tai0F$0n2x1Yq8H9b0zbm5W6Jk'],
  ])('never flags a %s password hash', async (_, hash) => {
    const out = await scanOne(`admin:\n  password_hash: "${hash}"\n`, 'config/users.yaml')
    expect(out.status).toBe('pass')
  })

  it('does not treat $VAR in a .env file as a literal', async () => {
    const out = await scanOne('DB_PASSWORD=$VAULT_DB_PASSWORD_VALUE\n', '.env')
    expect(out.status).toBe('pass')
  })

  it('flags a key in a comment', async () => {
    const out = await scanOne(`# old key, rotated last quarter: ${AWS_KEY}\naws s3 sync ./dist s3://x\n`, 'deploy.sh')
    expect(out.details).toBe('1 possible secret: aws-access-key-id at deploy.sh:1')
    expect(out.locations).toEqual([{ file: 'deploy.sh', line: 1, column: 34 }])
  })

  it('flags a PEM BEGIN line alone and a commented-out key', async () => {
    expect((await scanOne(`x = 1\n${PEM_BEGIN}`)).details).toBe('1 possible secret: private-key at src/app.py:2')
    const commented = `// ${PEM_BEGIN}\n// MIIEowIBAAKCAQEA\n// -----END RSA PRIVATE KEY-----\n`
    expect((await scanOne(commented, 'src/key.ts')).details).toBe('1 possible secret: private-key at src/key.ts:1')
    const pgp = '# -----BEGIN PGP ' + 'PRIVATE KEY BLOCK-----\n'
    expect((await scanOne(pgp, 'key.asc')).details).toBe('1 possible secret: private-key at key.asc:1')
    expect((await scanOne('-----BEGIN PUBLIC KEY-----\n', 'key.pub')).status).toBe('pass')
  })

  it('reports a token once even when its variable name is secret-like too', async () => {
    const out = await scanOne(`AWS_ACCESS_KEY_ID=${AWS_KEY}\n`, 'config/prod.env')
    expect(out.details).toBe('1 possible secret: aws-access-key-id at config/prod.env:1')
  })

  it('handles CRLF line ends and a BOM', async () => {
    const text = `\uFEFFa = 1\r\nclient_secret = "${HIGH_ENTROPY}"\r\nkey: ${AWS_KEY}\r\n`
    const out = await scanOne(text, 'config/app.yaml')
    expect(out.details).toBe(
      "2 possible secrets: generic-assignment 'client_secret' at config/app.yaml:2; aws-access-key-id at config/app.yaml:3",
    )
    expect(out.locations).toEqual([
      { file: 'config/app.yaml', line: 2, column: 1 },
      { file: 'config/app.yaml', line: 3, column: 6 },
    ])
  })

  it('never puts the secret text into the details or locations', async () => {
    const out = await scan({ 'a.py': `password = "${HIGH_ENTROPY}"\n`, 'b.env': `STRIPE=${STRIPE}\n` }, { glob: '*' })
    expect(out.status).toBe('fail')
    const serialised = JSON.stringify(out)
    for (const secret of [HIGH_ENTROPY, STRIPE, STRIPE.slice(8, 20)]) expect(serialised).not.toContain(secret)
    expect(out.details).toBe("2 possible secrets: generic-assignment 'password' at a.py:1; stripe-live-key at b.env:1")
  })
})

describe('no_plaintext_secret over globs', () => {
  it('passes over clean files, counting binary files skipped', async () => {
    const out = await scan(
      { 'config/a.yaml': 'x: 1\n', 'config/b.toml': 'y = 2\n', 'config/store.jks': Buffer.from([1, 0, 2, 0]) },
      { glob: 'config/**' },
    )
    expect(out.status).toBe('pass')
    expect(out.details).toBe('no secrets found in 2 files (built-in detectors); 1 binary file skipped')
    expect(out.examined).toEqual(['config/a.yaml', 'config/b.toml'])
  })

  it('does not scan binary files, and errors when every selected file is binary', async () => {
    const out = await scan(
      { 'keys/a.bin': Buffer.concat([Buffer.from([0]), Buffer.from(AWS_KEY)]), 'keys/b.bin': Buffer.from([0, 0]) },
      { glob: 'keys/*' },
    )
    expect(out.status).toBe('error')
    expect(out.details).toBe('no text files among 2 selected by keys/*')
  })

  it('errors on a binary file named by file', async () => {
    const out = await scan({ 'k.bin': Buffer.from([0, 1]) }, { file: 'k.bin' })
    expect(out).toMatchObject({ status: 'error', details: 'binary file where text is needed: k.bin' })
  })

  it('fails on a missing file and a glob with no files', async () => {
    expect(await scan({}, { file: 'nope.env' })).toMatchObject({ status: 'fail', details: 'file not found: nope.env' })
    expect(await scan({ 'a.txt': 'x' }, { glob: 'config/**' })).toMatchObject({
      status: 'fail',
      details: 'glob matched no files: config/**',
    })
  })

  it('reports every hit across files, in path order', async () => {
    const out = await scan({ 'z.txt': `${AWS_KEY}\n`, 'a.txt': `\n\n${GOOGLE} ${SLACK}\n` }, { glob: '*.txt' })
    expect(out.details).toBe(
      '3 possible secrets: google-api-key at a.txt:3; slack-token at a.txt:3; aws-access-key-id at z.txt:1',
    )
    expect(out.locations).toHaveLength(3)
  })
})

describe('no_plaintext_secret custom patterns', () => {
  it('runs only the custom patterns, with rule ids by position and no placeholder exclusions', async () => {
    const files = { 'app.cfg': `key = ACME-EXAMPLE-1234\nother = ${AWS_KEY}\n` }
    const out = await scan(files, { file: 'app.cfg', patterns: ['NOPE-\\d+', 'ACME-[A-Z]+-\\d{4}'] })
    expect(out.status).toBe('fail')
    expect(out.details).toBe('1 possible secret: pattern-2 at app.cfg:1')
    expect(out.locations).toEqual([{ file: 'app.cfg', line: 1, column: 7 }])
    const clean = await scan(files, { file: 'app.cfg', patterns: ['NOPE-\\d+'] })
    expect(clean.details).toBe('no secrets found in 1 file (custom patterns)')
  })

  it('errors on an invalid or refused pattern, before reading files', async () => {
    const invalid = await scan({}, { file: 'missing.py', patterns: ['(unclosed'] })
    expect(invalid.status).toBe('error')
    expect(invalid.details).toMatch(/^invalid regex in 'patterns': /)
    const refused = await scan({ 'a.py': 'x' }, { file: 'a.py', patterns: ['(a)\\1'] })
    expect(refused).toMatchObject({
      status: 'error',
      details: "unsupported regex in 'patterns': back-reference \\1 (not linear-time)",
    })
  })

  it('is rejected by the schema when the list is empty', () => {
    const entry = CATALOGUE.get('no_plaintext_secret')!
    expect(validateParams(entry, { file: 'a.env', patterns: [] })).toEqual({
      ok: false,
      problems: ["'patterns' must be a non-empty array of regexes (got [])"],
    })
  })
})
