import { describe, expect, it } from 'vitest'
import { brief, exists, version } from './deps-helpers.js'

describe('dependency_exists — Python', () => {
  it('normalises names as PEP 503 does', async () => {
    const files = { 'requirements.txt': 'Flask_WTF==1.2.1\nrequests==2.31.0\n' }
    expect(brief(await exists(files, 'requirements.txt', 'flask-wtf'))).toEqual({
      status: 'pass',
      details: "'flask-wtf' declared in requirements.txt (line 1)",
    })
    expect((await exists(files, 'requirements.txt', 'FLASK.wtf')).status).toBe('pass')
    expect((await exists(files, 'requirements.txt', 'flaskwtf')).status).toBe('fail')
  })

  it('understands markers, extras, direct references, editables, options and comments', async () => {
    const files = {
      'requirements-dev.txt': [
        '# comment',
        '--index-url https://pypi.test/simple',
        'uvicorn[standard]>=0.29 ; python_version >= "3.8"',
        'mylib @ git+https://git.test/mylib.git@v1',
        '-e git+https://git.test/tool.git#egg=tool',
        'pinned==1.0 --hash=sha256:abc',
        'long \\',
        '  >=2.0',
        'commented  # django',
      ].join('\n'),
    }
    for (const name of ['uvicorn', 'mylib', 'tool', 'pinned', 'long', 'commented']) {
      expect((await exists(files, 'requirements-dev.txt', name)).status, name).toBe('pass')
    }
    expect((await exists(files, 'requirements-dev.txt', 'django')).status).toBe('fail')
    expect((await exists(files, 'requirements-dev.txt', 'standard')).status).toBe('fail')
  })

  it('follows -r includes, examines them, and ignores -c constraint files', async () => {
    const files = {
      'requirements/prod.txt': '-r base.txt\n--requirement=../requirements-extra.txt\n-c constraints.txt\n',
      'requirements/base.txt': 'django==4.2.11\n',
      'requirements-extra.txt': 'celery>=5\n',
      'requirements/constraints.txt': 'redis==5.0.0\n',
    }
    const o = await exists(files, 'requirements/prod.txt', 'django')
    expect(brief(o)).toEqual({ status: 'pass', details: "'django' declared in requirements/base.txt (line 1)" })
    expect(o.examined).toEqual(['requirements/prod.txt', 'requirements/base.txt', 'requirements-extra.txt'])
    expect((await exists(files, 'requirements/prod.txt', 'celery')).status).toBe('pass')
    expect((await exists(files, 'requirements/prod.txt', 'redis')).status).toBe('fail')
  })

  it('errors on an include that escapes the root or is missing', async () => {
    expect(brief(await exists({ 'requirements.txt': '-r ../other.txt\n' }, 'requirements.txt', 'x'))).toEqual({
      status: 'error',
      details: 'include escapes project root: ../other.txt (requirements.txt line 1)',
    })
    expect(brief(await exists({ 'requirements.txt': 'a\n-r base.txt\n' }, 'requirements.txt', 'a'))).toEqual({
      status: 'error',
      details: 'cannot read include (requirements.txt line 2): file not found: base.txt',
    })
  })

  it('survives include cycles', async () => {
    const files = { 'requirements.txt': '-r requirements-b.txt\na\n', 'requirements-b.txt': '-r requirements.txt\nb\n' }
    expect((await exists(files, 'requirements.txt', 'b')).status).toBe('pass')
  })

  it('errors on a requirement line that does not parse', async () => {
    expect(brief(await exists({ 'requirements.txt': 'ok\n!!bad\n' }, 'requirements.txt', 'ok'))).toEqual({
      status: 'error',
      details: "cannot parse requirements.txt at line 2: invalid requirement '!!bad'",
    })
  })

  it('reads pyproject.toml: PEP 621, optional and PEP 735 groups, Poetry tables without python', async () => {
    const pyproject = [
      '[project]',
      'name = "app"',
      'dependencies = [',
      '  "cryptography>=42.0.4",',
      ']',
      '[project.optional-dependencies]',
      'docs = ["sphinx>=7"]',
      '[dependency-groups]',
      'test = ["pytest>=8", { include-group = "lint" }]',
      'lint = ["ruff"]',
      '[tool.poetry.dependencies]',
      'python = "^3.11"',
      'httpx = { version = "^0.27", extras = ["http2"] }',
      '[tool.poetry.dev-dependencies]',
      'black = "*"',
      '[tool.poetry.group.types.dependencies]',
      'mypy = "^1.9"',
    ].join('\n')
    const files = { 'pyproject.toml': pyproject }
    expect(brief(await exists(files, 'pyproject.toml', 'cryptography'))).toEqual({
      status: 'pass',
      details: "'cryptography' declared in pyproject.toml (project.dependencies, line 4)",
    })
    for (const name of ['sphinx', 'pytest', 'ruff', 'httpx', 'black', 'mypy']) {
      expect((await exists(files, 'pyproject.toml', name)).status, name).toBe('pass')
    }
    expect((await exists(files, 'pyproject.toml', 'python')).status).toBe('fail')
  })

  it('errors on a dependency group including an unknown group and on malformed TOML', async () => {
    const bad = '[dependency-groups]\ntest = [{ include-group = "nope" }]\n'
    expect(brief(await exists({ 'pyproject.toml': bad }, 'pyproject.toml', 'x'))).toEqual({
      status: 'error',
      details: "cannot parse pyproject.toml: dependency group 'test' includes unknown group 'nope'",
    })
    const o = await exists({ 'pyproject.toml': '[project]\ndependencies = ["a",\n' }, 'pyproject.toml', 'a')
    expect(o.status).toBe('error')
    expect(o.details).toMatch(/^cannot parse pyproject\.toml at line \d+: /)
  })

  it('reads Pipfile, Pipfile.lock and poetry.lock', async () => {
    const pipfile = '[packages]\nrequests = "*"\n\n[dev-packages]\npytest = {version = ">=8"}\n'
    expect((await exists({ Pipfile: pipfile }, 'Pipfile', 'pytest')).status).toBe('pass')
    const lock = JSON.stringify({ default: { requests: { version: '==2.31.0' } }, develop: {} })
    expect((await exists({ 'Pipfile.lock': lock }, 'Pipfile.lock', 'Requests')).status).toBe('pass')
    const poetry = '[[package]]\nname = "cryptography"\nversion = "42.0.5"\n'
    expect(brief(await exists({ 'poetry.lock': poetry }, 'poetry.lock', 'cryptography'))).toEqual({
      status: 'pass',
      details: "'cryptography' declared in poetry.lock (line 2)",
    })
  })
})

describe('dependency_version — Python', () => {
  it('tests a pinned requirement', async () => {
    expect(
      brief(await version({ 'requirements.txt': 'Django==4.2.11\n' }, 'requirements.txt', 'django', '>=4.2.8,<5.0')),
    ).toEqual({
      status: 'pass',
      details: "'django' 4.2.11 (requirements.txt) satisfies >=4.2.8,<5.0",
    })
    expect(
      brief(await version({ 'requirements.txt': 'Django==4.2.7\n' }, 'requirements.txt', 'Django', '>=4.2.8')),
    ).toEqual({
      status: 'fail',
      details: "'Django' 4.2.7 (requirements.txt) does not satisfy >=4.2.8",
    })
  })

  it('fails an unpinned requirement with cannot prove', async () => {
    expect(
      brief(await version({ 'requirements.txt': 'requests\n' }, 'requirements.txt', 'requests', '>=2.31.0')),
    ).toEqual({
      status: 'fail',
      details: "'requests' declared without a version in requirements.txt; cannot prove",
    })
  })

  it('tests whether a range lies entirely inside the constraint', async () => {
    const check = async (spec: string, constraint: string) =>
      (await version({ 'requirements.txt': `requests${spec}\n` }, 'requirements.txt', 'requests', constraint)).status
    expect(
      brief(await version({ 'requirements.txt': 'requests>=2.0\n' }, 'requirements.txt', 'requests', '>=2.31')),
    ).toEqual({
      status: 'fail',
      details: "'requests' declared '>=2.0' in requirements.txt is not inside '>=2.31'; cannot prove",
    })
    expect(await check('>=2.31,<3', '>=2.31')).toBe('pass')
    expect(await check('~=2.31', '>=2.31,<3')).toBe('pass')
    expect(await check('~=2.31', '>=2.31,<2.40')).toBe('fail')
    expect(await check('==2.31.*', '>=2.31.dev0,<2.32')).toBe('pass')
    expect(await check('==2.31.*', '>=2.31,<2.32')).toBe('fail') // the prefix admits 2.31rc1
    expect(await check('>2.31', '>2.31')).toBe('pass')
    expect(await check('>=2.31.post1', '>2.31')).toBe('fail') // >2.31 admits no post-release of 2.31
    expect(await check('>=2.32', '>2.31')).toBe('pass')
    expect(await check('<3', '<3')).toBe('pass')
    expect(await check('<3.0rc1', '<3')).toBe('fail') // <3 admits no pre-release of 3
    expect(await check('<=2.0', '<=2.0')).toBe('pass')
    expect(await check('<2.9', '<3')).toBe('pass')
    expect(await check('>=2.0,!=2.5', '>=2.0')).toBe('pass')
    expect(await check('(>=2.31)', '>=2.31')).toBe('pass')
  })

  it('compares pre-releases by version order', async () => {
    const files = { 'requirements.txt': 'cryptography==43.0.0rc1\n' }
    expect((await version(files, 'requirements.txt', 'cryptography', '>=42.0.4')).status).toBe('pass')
    const older = { 'requirements.txt': 'cryptography==42.0.4rc1\n' }
    expect((await version(older, 'requirements.txt', 'cryptography', '>=42.0.4')).status).toBe('fail')
  })

  it('errors on a constraint that is not a PEP 440 specifier set', async () => {
    const files = { 'requirements.txt': 'urllib3==2.2.1\n' }
    for (const c of ['=>2.0', '^2.0', '*', '>=2.0,']) {
      expect(brief(await version(files, 'requirements.txt', 'urllib3', c))).toEqual({
        status: 'error',
        details: `invalid constraint '${c}' for Python`,
      })
    }
  })

  it('cannot prove URL, git and path declarations', async () => {
    const files = { 'requirements.txt': 'mylib @ git+https://git.test/mylib.git@v2\n-e ./local#egg=local\n' }
    expect(brief(await version(files, 'requirements.txt', 'mylib', '>=1'))).toEqual({
      status: 'fail',
      details: "'mylib' declared 'git+https://git.test/mylib.git@v2' in requirements.txt is a git source; cannot prove",
    })
    expect((await version(files, 'requirements.txt', 'local', '>=1')).details).toBe(
      "'local' declared './local#egg=local' in requirements.txt is a path source; cannot prove",
    )
  })

  it('resolves a pyproject.toml dependency from poetry.lock next to it', async () => {
    const files = {
      'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.11"\ncryptography = "^42.0"\n',
      'poetry.lock':
        '[[package]]\nname = "cryptography"\nversion = "42.0.5"\n\n[[package]]\nname = "cffi"\nversion = "1.16.0"\n',
    }
    const o = await version(files, 'pyproject.toml', 'cryptography', '>=42.0.4')
    expect(brief(o)).toEqual({ status: 'pass', details: "'cryptography' 42.0.5 (poetry.lock) satisfies >=42.0.4" })
    expect(o.examined).toEqual(['pyproject.toml', 'poetry.lock'])
  })

  it('reads Poetry ranges when there is no lockfile', async () => {
    const poetry = (spec: string) => ({ 'pyproject.toml': `[tool.poetry.dependencies]\ncryptography = "${spec}"\n` })
    expect((await version(poetry('^42.0.5'), 'pyproject.toml', 'cryptography', '>=42.0.4,<43')).status).toBe('pass')
    expect((await version(poetry('^42.0'), 'pyproject.toml', 'cryptography', '>=42.0.4')).status).toBe('fail')
    expect((await version(poetry('~42.0.5'), 'pyproject.toml', 'cryptography', '>=42.0.4,<42.1')).status).toBe('pass')
    expect((await version(poetry('42.0.5'), 'pyproject.toml', 'cryptography', '>=42.0.4')).details).toBe(
      "'cryptography' 42.0.5 (pyproject.toml) satisfies >=42.0.4",
    )
    expect((await version(poetry('*'), 'pyproject.toml', 'cryptography', '>=1')).details).toBe(
      "'cryptography' declared '*' in pyproject.toml does not bound the version; cannot prove",
    )
  })

  it('resolves Pipfile from Pipfile.lock and cannot prove git entries there', async () => {
    const files = {
      Pipfile: '[packages]\nrequests = "*"\nmylib = {git = "https://git.test/mylib.git"}\n',
      'Pipfile.lock': JSON.stringify({
        default: { requests: { version: '==2.31.0' }, mylib: { git: 'https://git.test/mylib.git', ref: 'abc' } },
      }),
    }
    expect(brief(await version(files, 'Pipfile', 'requests', '>=2.31'))).toEqual({
      status: 'pass',
      details: "'requests' 2.31.0 (Pipfile.lock: default) satisfies >=2.31",
    })
    expect(brief(await version(files, 'Pipfile', 'mylib', '>=1'))).toEqual({
      status: 'fail',
      details: "'mylib' has no version in Pipfile.lock: default; cannot prove",
    })
  })
})
