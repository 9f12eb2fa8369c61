import { describe, expect, it } from 'vitest'
import type { FileFacts } from '../src/code/facts.js'
import { analyzePython } from '../src/code/python.js'
import { analyze } from './code-helpers.js'

const py = (text: string, rel = 'app/mod.py'): Promise<FileFacts> => analyze(analyzePython, 'python', rel, text)
const lines = (...l: string[]) => `${l.join('\n')}\n`

describe('python definitions', () => {
  it('reads module-level, async, nested and class-level functions with qualified names and scopes', async () => {
    const facts = await py(
      lines(
        'def top(a):',
        '    def helper():',
        '        def deepest(): pass',
        '    return helper',
        '',
        'async def fetch(url): pass',
        '',
        'class AuthService(Base):',
        '    @property',
        '    def user(self): return 1',
        '    @staticmethod',
        '    async def login(name): pass',
        '    class Tokens:',
        '        def issue(self, cls): pass',
      ),
    )
    const summary = facts.definitions().map((d) => ({
      id: d.id,
      kind: d.kind,
      name: d.qualified.join('.'),
      line: d.at.line,
      column: d.at.column,
      scopes: d.scopes,
    }))
    expect(summary).toEqual([
      { id: 0, kind: 'function', name: 'top', line: 1, column: 1, scopes: [] },
      { id: 1, kind: 'function', name: 'top.helper', line: 2, column: 5, scopes: [0] },
      { id: 2, kind: 'function', name: 'top.helper.deepest', line: 3, column: 9, scopes: [1, 0] },
      { id: 3, kind: 'function', name: 'fetch', line: 6, column: 1, scopes: [] },
      { id: 4, kind: 'class', name: 'AuthService', line: 8, column: 1, scopes: [] },
      { id: 5, kind: 'function', name: 'AuthService.user', line: 10, column: 5, scopes: [] },
      { id: 6, kind: 'function', name: 'AuthService.login', line: 12, column: 5, scopes: [] },
      { id: 7, kind: 'class', name: 'AuthService.Tokens', line: 13, column: 5, scopes: [] },
      { id: 8, kind: 'function', name: 'AuthService.Tokens.issue', line: 14, column: 9, scopes: [] },
    ])
    expect(facts.definitions().every((d) => d.hasBody)).toBe(true)
    expect(facts.syntaxErrors()).toEqual([])
  })

  it('gives the exact fact of a function and of a class with bases', async () => {
    const facts = await py(
      lines(
        'class UserIn(pydantic.BaseModel, Generic[T], Mixin, metaclass=ABCMeta):',
        '    name: str',
        '',
        'def handler(request):',
        '    return request',
      ),
    )
    expect(facts.definitions()).toEqual([
      {
        id: 0,
        kind: 'class',
        qualified: ['UserIn'],
        typeKind: 'class',
        at: { line: 1, column: 1, endLine: 2 },
        hasBody: true,
        decorators: [],
        params: [],
        bases: [['pydantic', 'BaseModel'], ['Mixin']],
        scopes: [],
      },
      {
        id: 1,
        kind: 'function',
        qualified: ['handler'],
        at: { line: 4, column: 1, endLine: 5 },
        hasBody: true,
        decorators: [],
        params: [{ name: 'request', at: { line: 4, column: 13, endLine: 4 } }],
        scopes: [],
      },
    ])
  })

  it('never reads definitions from comments, strings, docstrings or call sites', async () => {
    const facts = await py(
      lines(
        '"""Module docs: def require_auth(request): pass"""',
        '# def require_auth(request): moved to shared.guards',
        'from shared import guards',
        'TEMPLATE = "def require_auth(): pass"',
        'class_note = f"class Admin: {guards}"',
        '',
        'def dashboard(request):',
        '    """def require_auth(): nested docstring"""',
        '    guards.require_auth(request)',
        '    return "ok"',
      ),
    )
    expect(facts.definitions().map((d) => d.qualified)).toEqual([['dashboard']])
  })

  it('marks overloads, abstract placeholders and stub files as bodiless', async () => {
    const facts = await py(
      lines(
        'class Repo(ABC):',
        '    @overload',
        '    def get(self, key: int) -> int: ...',
        '    @typing.overload',
        '    def get(self, key: str) -> str: ...',
        '    def get(self, key):',
        '        return key',
        '    @abstractmethod',
        '    def save(self):',
        '        """Persist."""',
        '        raise NotImplementedError',
        '    @abc.abstractmethod',
        '    def load(self):',
        '        return self.read()',
      ),
    )
    expect(facts.definitions().map((d) => [d.qualified.join('.'), d.at.line, d.hasBody])).toEqual([
      ['Repo', 1, true],
      ['Repo.get', 3, false],
      ['Repo.get', 5, false],
      ['Repo.get', 6, true],
      ['Repo.save', 9, false],
      ['Repo.load', 13, true],
    ])
    const stub = await py(lines('def connect(host: str) -> None: ...', 'class Client: ...'), 'app/db.pyi')
    expect(stub.definitions().map((d) => [d.qualified.join('.'), d.hasBody])).toEqual([
      ['connect', false],
      ['Client', true],
    ])
  })

  it('drops definitions inside an error region and reports the first syntax error line', async () => {
    const facts = await py(lines('def good():', '    return 1', '', 'def broken(:', '    x = (1,', '    return 2'))
    expect(facts.syntaxErrors()).toEqual([4])
    expect(facts.definitions().map((d) => d.qualified)).toEqual([['good']])
  })
})

describe('python decorators', () => {
  it('reads names, attribute paths and calls of them, in any position of a stack', async () => {
    const facts = await py(
      lines(
        'from fastapi import APIRouter',
        'router = APIRouter()',
        '',
        '@router.delete("/users/{user_id}")',
        '@requires_role("admin")',
        '@auth.login_required',
        '@cache',
        'def delete_user(user_id: int):',
        '    return {"deleted": user_id}',
      ),
    )
    const [fn] = facts.definitions()
    expect(fn?.at.line).toBe(8)
    expect(fn?.decorators).toEqual([
      { path: ['router', 'delete'], at: { line: 4, column: 1, endLine: 4 } },
      { path: ['requires_role'], at: { line: 5, column: 1, endLine: 5 } },
      { path: ['auth', 'login_required'], at: { line: 6, column: 1, endLine: 6 } },
      { path: ['cache'], at: { line: 7, column: 1, endLine: 7 } },
    ])
  })

  it('ignores subscript and lambda decorators, and keeps decorators on their own definition', async () => {
    const facts = await py(
      lines(
        '@handlers[0]',
        '@(lambda f: f)',
        '@registry.routes["x"].add',
        'def odd(): pass',
        '',
        '@login_required',
        'def settings_page(request):',
        '    return "settings"',
        '',
        '# @login_required',
        'def export_data(request):',
        '    return "csv"',
        '',
        '@csrf_exempt',
        'class ProfileView:',
        '    def get(self, request):',
        '        return "profile"',
      ),
    )
    expect(facts.definitions().map((d) => [d.qualified.join('.'), d.decorators.map((x) => x.path.join('.'))])).toEqual([
      ['odd', []],
      ['settings_page', ['login_required']],
      ['export_data', []],
      ['ProfileView', ['csrf_exempt']],
      ['ProfileView.get', []],
    ])
  })
})

describe('python calls', () => {
  it('builds call paths per §3.4', async () => {
    const facts = await py(
      lines(
        'def handle(token, items):',
        '    jwt.decode(token)',
        '    self.jwt.decode(token)',
        '    get_client().verify(token)',
        '    items[0].strip()',
        '    ", ".join(items)',
        '    super().save()',
        '    make()()',
      ),
    )
    expect(facts.calls().map((c) => [c.path.join('.'), c.at.line, c.at.column, c.receiverIdentifiers])).toEqual([
      ['jwt.decode', 2, 5, ['jwt']],
      ['self.jwt.decode', 3, 5, ['self']],
      ['verify', 4, 5, ['get_client']],
      ['get_client', 4, 5, []],
      ['strip', 5, 5, ['items']],
      ['join', 6, 5, []],
      ['save', 7, 5, ['super']],
      ['super', 7, 5, []],
      ['make', 8, 5, []],
    ])
  })

  it('scopes calls by every enclosing function, lambdas and nested functions included', async () => {
    const facts = await py(
      lines(
        'setup()',
        '',
        '@app.route("/")',
        'def outer(x):',
        '    def inner():',
        '        return check(x)',
        '    cb = lambda: audit(x)',
        '    return inner',
        '',
        'def other():',
        '    check(1)',
        '',
        'class K:',
        '    flag = compute()',
        '    def m(self, v=default()):',
        '        self.helper(v)',
      ),
    )
    expect(facts.calls().map((c) => [c.path.join('.'), c.at.line, c.scopes])).toEqual([
      ['setup', 1, []],
      ['app.route', 3, []],
      ['check', 6, [1, 0]],
      ['audit', 7, [0]],
      ['check', 11, [2]],
      ['compute', 14, []],
      ['default', 15, []],
      ['self.helper', 16, [4]],
    ])
  })

  it('never reads calls from comments, strings or docstrings, but does from f-string interpolations', async () => {
    const facts = await py(
      lines(
        'def view(name, items):',
        '    """Calls jwt.decode(token) internally."""',
        '    # jwt.decode(token)',
        '    msg = "jwt.decode(token)"',
        '    items.map(validate)',
        '    return f"hello {sanitize(name)} and {{escaped(x)}}"',
      ),
    )
    expect(facts.calls().map((c) => [c.path.join('.'), c.at.line, c.argIdentifiers])).toEqual([
      ['items.map', 5, ['validate']],
      ['sanitize', 6, ['name']],
    ])
  })

  it('lists the identifiers of the arguments, leaving out attribute and keyword names', async () => {
    const facts = await py(
      lines(
        'def update(user_id, payload, rest):',
        '    validate(payload.id, key=user_id, *rest, **{"a": limit})',
        '    token.verify()',
      ),
    )
    expect(facts.calls()).toEqual([
      {
        path: ['validate'],
        at: { line: 2, column: 5, endLine: 2 },
        scopes: [0],
        receiverIdentifiers: [],
        argIdentifiers: ['payload', 'user_id', 'rest', 'limit'],
      },
      {
        path: ['token', 'verify'],
        at: { line: 3, column: 5, endLine: 3 },
        scopes: [0],
        receiverIdentifiers: ['token'],
        argIdentifiers: [],
      },
    ])
  })
})

describe('python guards', () => {
  it('reads if/elif conditions of which a branch raises, returns or aborts at its top level', async () => {
    const facts = await py(
      lines(
        'def close_account(account_id, limit, mode, extra, flag):',
        '    if not account_id:',
        '        raise ValueError("account_id is required")',
        '    if limit > 10:',
        '        log(limit)',
        '    elif mode == "x":',
        '        log(mode)',
        '    else:',
        '        return None',
        '    if extra:',
        '        for e in extra:',
        '            raise ValueError(e)',
        '    if flag.is_set(): abort(403)',
        '    if request.user_id:',
        '        log(1)',
        '    return f"closed {account_id}"',
      ),
    )
    expect(facts.guards()).toEqual([
      { kind: 'guard', identifiers: ['account_id'], at: { line: 2, column: 5, endLine: 3 }, scopes: [0] },
      { kind: 'guard', identifiers: ['limit'], at: { line: 4, column: 5, endLine: 9 }, scopes: [0] },
      { kind: 'guard', identifiers: ['mode'], at: { line: 6, column: 5, endLine: 7 }, scopes: [0] },
      { kind: 'guard', identifiers: ['flag'], at: { line: 13, column: 5, endLine: 13 }, scopes: [0] },
    ])
  })

  it('reads assert statements (the tested expression only) and ignores guards in comments', async () => {
    const facts = await py(
      lines(
        'def transfer(amount, note):',
        '    # if not amount: raise ValueError()',
        '    assert amount > 0, f"bad {note}"',
        '    assert isinstance(note.text, str)',
      ),
    )
    expect(facts.guards()).toEqual([
      { kind: 'assert', identifiers: ['amount'], at: { line: 3, column: 5, endLine: 3 }, scopes: [0] },
      {
        kind: 'assert',
        identifiers: ['isinstance', 'note', 'str'],
        at: { line: 4, column: 5, endLine: 4 },
        scopes: [0],
      },
    ])
  })
})

describe('python parameters', () => {
  it('declares every parameter without * and **, self and cls included, with plain annotations', async () => {
    const facts = await py(
      lines(
        'class V:',
        '    def m(self, a, /, b: models.User, *args: int, c=1, d: Optional[User] = None, e: "User" = None, **kw):',
        '        pass',
      ),
    )
    const method = facts.definitions()[1]!
    expect(method.params).toEqual([
      { name: 'self', at: { line: 2, column: 11, endLine: 2 } },
      { name: 'a', at: { line: 2, column: 17, endLine: 2 } },
      { name: 'b', at: { line: 2, column: 23, endLine: 2 }, annotation: ['models', 'User'] },
      { name: 'args', at: { line: 2, column: 40, endLine: 2 }, annotation: ['int'] },
      { name: 'c', at: { line: 2, column: 51, endLine: 2 } },
      { name: 'd', at: { line: 2, column: 56, endLine: 2 } },
      { name: 'e', at: { line: 2, column: 82, endLine: 2 } },
      { name: 'kw', at: { line: 2, column: 102, endLine: 2 } },
    ])
  })

  it('recognises declarative validation: Annotated, FastAPI defaults and constrained types', async () => {
    const facts = await py(
      lines(
        'def search(',
        '    limit: Annotated[int, Query(ge=1, le=100)] = 10,',
        '    item_id: typing.Annotated[int | None, fastapi.Path(gt=0)] = None,',
        '    q: str = Query(None, max_length=50),',
        '    body: Item = Body(...),',
        '    size: conint(gt=0) = 1,',
        '    tags: list[constr(min_length=1)] = (),',
        '    doc: Annotated[int, "docs only"] = 0,',
        '    user: Annotated[User, Depends(current_user)] = None,',
        '    plain: int = 10,',
        '    dep=Depends(get_db),',
        '):',
        '    return limit',
      ),
    )
    expect(facts.definitions()[0]!.params.map((p) => [p.name, p.declarativeValidation, p.annotation])).toEqual([
      ['limit', 'Annotated[..., Query(...)]', undefined],
      ['item_id', 'Annotated[..., fastapi.Path(...)]', undefined],
      ['q', 'Query(...)', ['str']],
      ['body', 'Body(...)', ['Item']],
      ['size', 'conint(...)', undefined],
      ['tags', 'constr(...)', undefined],
      ['doc', undefined, undefined],
      ['user', undefined, undefined],
      ['plain', undefined, ['int']],
      ['dep', undefined, undefined],
    ])
  })
})

describe('python error handlers', () => {
  it('reads except clauses with their types', async () => {
    const facts = await py(
      lines(
        'def fetch_user(client):',
        '    try:',
        '        return client.get()',
        '    except (ValueError, requests.exceptions.Timeout) as e:',
        '        pass',
        '    except KeyError as e:',
        '        pass',
        '    except:',
        '        pass',
        '    try:',
        '        pass',
        '    except* OSError:',
        '        pass',
        '    try:',
        '        pass',
        '    finally:',
        '        cleanup()',
      ),
    )
    expect(facts.errorHandlers()).toEqual([
      {
        label: 'except',
        types: [['ValueError'], ['requests', 'exceptions', 'Timeout']],
        at: { line: 4, column: 5, endLine: 5 },
        scopes: [0],
      },
      { label: 'except', types: [['KeyError']], at: { line: 6, column: 5, endLine: 7 }, scopes: [0] },
      { label: 'except', types: [], at: { line: 8, column: 5, endLine: 9 }, scopes: [0] },
      { label: 'except', types: [['OSError']], at: { line: 12, column: 5, endLine: 13 }, scopes: [0] },
    ])
  })

  it('reads PEP 758 unparenthesised clauses, and scopes handlers by enclosing functions', async () => {
    const facts = await py(
      lines(
        'def outer():',
        '    def inner():',
        '        try:',
        '            g()',
        '        except ValueError, errors.Timeout:',
        '            h()',
        '    return inner',
        '',
        'def other():',
        '    # except KeyError:',
        '    s = "except KeyError:"',
      ),
    )
    expect(facts.errorHandlers()).toEqual([
      {
        label: 'except',
        types: [['ValueError'], ['errors', 'Timeout']],
        at: { line: 5, column: 9, endLine: 6 },
        scopes: [1, 0],
      },
    ])
  })

  it('reads PEP 758 clauses inside an error region, and nothing else there', async () => {
    const facts = await py(
      lines(
        'def fetch():',
        '    if ready',
        '    try:',
        '        load()',
        '    except ValueError, requests.Timeout:',
        '        retry()',
        '    except OSError:',
        '        pass',
      ),
    )
    expect(facts.syntaxErrors()).toEqual([3])
    expect(facts.errorHandlers()).toEqual([
      {
        label: 'except',
        types: [['ValueError'], ['requests', 'Timeout']],
        at: { line: 5, column: 5, endLine: 5 },
        scopes: [0],
      },
    ])
  })
})

describe('python imports', () => {
  it('reads import and from-import statements in the language spelling', async () => {
    const facts = await py(
      lines(
        'import os, os.path as osp',
        'from jwt.algorithms import RSAAlgorithm, ECAlgorithm as EC',
        'from .utils import helper',
        'from . import views',
        'from .. import models',
        'from __future__ import annotations',
        'from django.conf.urls import *',
        'from cryptography.fernet import (',
        '    Fernet,',
        ')',
        'def lazy():',
        '    import pickle',
      ),
    )
    const at = (line: number, endLine = line) => ({ line, column: 1, endLine })
    expect(facts.imports()).toEqual([
      { module: 'os', at: at(1), text: 'import os, os.path as osp' },
      { module: 'os.path', at: at(1), text: 'import os, os.path as osp' },
      {
        module: 'jwt.algorithms',
        at: at(2),
        text: 'from jwt.algorithms import RSAAlgorithm, ECAlgorithm as EC',
        names: [
          { local: 'RSAAlgorithm', imported: 'RSAAlgorithm' },
          { local: 'EC', imported: 'ECAlgorithm' },
        ],
      },
      {
        module: 'jwt.algorithms.RSAAlgorithm',
        at: at(2),
        text: 'from jwt.algorithms import RSAAlgorithm, ECAlgorithm as EC',
      },
      {
        module: 'jwt.algorithms.ECAlgorithm',
        at: at(2),
        text: 'from jwt.algorithms import RSAAlgorithm, ECAlgorithm as EC',
      },
      {
        module: '.utils',
        at: at(3),
        text: 'from .utils import helper',
        names: [{ local: 'helper', imported: 'helper' }],
      },
      { module: '.utils.helper', at: at(3), text: 'from .utils import helper' },
      { module: '.', at: at(4), text: 'from . import views', names: [{ local: 'views', imported: 'views' }] },
      { module: '.views', at: at(4), text: 'from . import views' },
      { module: '..', at: at(5), text: 'from .. import models', names: [{ local: 'models', imported: 'models' }] },
      { module: '..models', at: at(5), text: 'from .. import models' },
      {
        module: '__future__',
        at: at(6),
        text: 'from __future__ import annotations',
        names: [{ local: 'annotations', imported: 'annotations' }],
      },
      { module: '__future__.annotations', at: at(6), text: 'from __future__ import annotations' },
      { module: 'django.conf.urls', at: at(7), text: 'from django.conf.urls import *' },
      {
        module: 'cryptography.fernet',
        at: at(8, 10),
        text: 'from cryptography.fernet import (',
        names: [{ local: 'Fernet', imported: 'Fernet' }],
      },
      { module: 'cryptography.fernet.Fernet', at: at(8, 10), text: 'from cryptography.fernet import (' },
      { module: 'pickle', at: { line: 12, column: 5, endLine: 12 }, text: 'import pickle' },
    ])
  })

  it('never reads imports from comments or strings', async () => {
    const facts = await py(
      lines(
        '# import pickle  -- removed, untrusted input is parsed as JSON now',
        'DOC = "import pickle"',
        '"""from pickle import loads"""',
        'import json',
      ),
    )
    expect(facts.imports().map((i) => i.module)).toEqual(['json'])
  })
})

describe('python environment reads', () => {
  it('reads os.environ[...], os.environ.get, os.getenv and their imported forms by literal name', async () => {
    const facts = await py(
      lines(
        'import os',
        'import os as system',
        'from os import environ, getenv as ge',
        'DATABASE_URL = os.environ.get("DATABASE_URL")',
        'SECRET = os.environ["SECRET_KEY"]',
        'A = os.getenv("API_TOKEN", "")',
        'B = environ["B_VAR"]',
        "C = environ.get('C_VAR')",
        'D = ge(key="D_VAR")',
        'E = system.environ.get("E_VAR")',
        'F = f"{os.getenv(\'F_VAR\')}"',
      ),
    )
    expect(facts.envReads().map((e) => [e.name, e.at.line, e.at.column, e.text])).toEqual([
      ['DATABASE_URL', 4, 16, 'os.environ.get("DATABASE_URL")'],
      ['SECRET_KEY', 5, 10, 'os.environ["SECRET_KEY"]'],
      ['API_TOKEN', 6, 5, 'os.getenv("API_TOKEN", "")'],
      ['B_VAR', 7, 5, 'environ["B_VAR"]'],
      ['C_VAR', 8, 5, "environ.get('C_VAR')"],
      ['D_VAR', 9, 5, 'ge(key="D_VAR")'],
      ['E_VAR', 10, 5, 'system.environ.get("E_VAR")'],
      ['F_VAR', 11, 8, "os.getenv('F_VAR')"],
    ])
  })

  it('never counts computed names, writes, other environ objects, comments or strings', async () => {
    const facts = await py(
      lines(
        'import os',
        'NAME = "SECRET_KEY"',
        'a = os.environ[NAME]',
        'b = os.getenv(f"{NAME}_X")',
        'os.environ["WRITTEN"] = "1"',
        'del os.environ["DELETED"]',
        'c = environ.get("NOT_OS")',
        'd = getenv("NOT_IMPORTED")',
        '# e = os.getenv("COMMENTED")',
        'f = "os.getenv(\'IN_STRING\')"',
        'g = config.environ["OTHER"]',
      ),
    )
    expect(facts.envReads()).toEqual([])
  })
})

describe('python middleware', () => {
  it('reads FastAPI/Starlette add_middleware and Middleware(...)', async () => {
    const facts = await py(
      lines(
        'from fastapi.middleware.cors import CORSMiddleware',
        'app = FastAPI(middleware=[Middleware(SessionMiddleware, secret_key="x")])',
        'app.add_middleware(CORSMiddleware, allow_origins=["https://portal.example.org"])',
        'app.add_middleware(starlette.middleware.gzip.GZipMiddleware)',
        'app.add_middleware(middleware_class=TrustedHostMiddleware)',
        'add_middleware(NotRegistered)',
        '# app.add_middleware(Commented)',
      ),
    )
    expect(facts.middleware()).toEqual([
      { path: ['SessionMiddleware'], at: { line: 2, column: 27, endLine: 2 }, via: 'Middleware' },
      { path: ['CORSMiddleware'], at: { line: 3, column: 1, endLine: 3 }, via: 'add_middleware' },
      {
        path: ['starlette', 'middleware', 'gzip', 'GZipMiddleware'],
        at: { line: 4, column: 1, endLine: 4 },
        via: 'add_middleware',
      },
      { path: ['TrustedHostMiddleware'], at: { line: 5, column: 1, endLine: 5 }, via: 'add_middleware' },
    ])
  })

  it('reads Django MIDDLEWARE entries, += additions, append and insert at module level only', async () => {
    const facts = await py(
      lines(
        'MIDDLEWARE = [',
        '    "django.middleware.security.SecurityMiddleware",',
        '    # "django.middleware.clickjacking.XFrameOptionsMiddleware",',
        '    f"{PREFIX}.Dynamic",',
        '] + ["django.middleware.csrf.CsrfViewMiddleware"]',
        'MIDDLEWARE_CLASSES = ("legacy.AuthMiddleware",)',
        'MIDDLEWARE += ["debug_toolbar.middleware.DebugToolbarMiddleware"]',
        'MIDDLEWARE.append("app.middleware.Audit")',
        'MIDDLEWARE.insert(0, "app.middleware.First")',
        'OTHER = ["not.a.Middleware"]',
        'def configure():',
        '    MIDDLEWARE.append("app.middleware.InFunction")',
      ),
    )
    expect(facts.middleware().map((m) => [m.dottedString, m.at.line, m.at.column, m.via])).toEqual([
      ['django.middleware.security.SecurityMiddleware', 2, 5, 'MIDDLEWARE'],
      ['django.middleware.csrf.CsrfViewMiddleware', 5, 6, 'MIDDLEWARE'],
      ['legacy.AuthMiddleware', 6, 23, 'MIDDLEWARE_CLASSES'],
      ['debug_toolbar.middleware.DebugToolbarMiddleware', 7, 16, 'MIDDLEWARE'],
      ['app.middleware.Audit', 8, 19, 'MIDDLEWARE'],
      ['app.middleware.First', 9, 22, 'MIDDLEWARE'],
    ])
  })
})

describe('python headers', () => {
  it('reads subscript assignments on responses and on ….headers', async () => {
    const facts = await py(
      lines(
        'def add_security_headers(response, resp, value):',
        '    # response.headers["Strict-Transport-Security"] = "max-age=63072000"',
        '    response.headers["X-Content-Type-Options"] = "nosniff"',
        '    response["X-Frame-Options"] = "DENY"',
        '    resp["Cache-Control"] = value',
        '    self.response.Headers["X-Count"] = 3',
        '    data["X-Not-A-Header"] = "1"',
        '    headers["X-Local"] = "1"',
        '    response[NAME] = "computed"',
        '    response[f"X-{value}"] = "interpolated"',
        '    return response',
      ),
    )
    expect(facts.headers()).toEqual([
      {
        name: 'X-Content-Type-Options',
        value: { kind: 'literal', text: 'nosniff' },
        at: { line: 3, column: 5, endLine: 3 },
        via: 'response.headers[...]',
      },
      {
        name: 'X-Frame-Options',
        value: { kind: 'literal', text: 'DENY' },
        at: { line: 4, column: 5, endLine: 4 },
        via: 'response[...]',
      },
      { name: 'Cache-Control', value: { kind: 'dynamic' }, at: { line: 5, column: 5, endLine: 5 }, via: 'resp[...]' },
      {
        name: 'X-Count',
        value: { kind: 'literal', text: '3' },
        at: { line: 6, column: 5, endLine: 6 },
        via: 'self.response.Headers[...]',
      },
    ])
  })

  it('reads setter calls with a literal name and dictionary arguments of set/header/headers', async () => {
    const facts = await py(
      lines(
        'resp.headers.set("Referrer-Policy", "no-referrer")',
        'response.headers.add("X-Trace", trace_id)',
        'self.set_header("X-Tornado", "1")',
        'items.append("X-Not-Enough-Args")',
        'res.set({"X-A": "1", NAME: "2"})',
        'response.headers.append(NAME, "v")',
        'set("Bare", "call")',
      ),
    )
    expect(facts.headers()).toEqual([
      {
        name: 'Referrer-Policy',
        value: { kind: 'literal', text: 'no-referrer' },
        at: { line: 1, column: 1, endLine: 1 },
        via: 'resp.headers.set',
      },
      {
        name: 'X-Trace',
        value: { kind: 'dynamic' },
        at: { line: 2, column: 1, endLine: 2 },
        via: 'response.headers.add',
      },
      { name: 'X-A', value: { kind: 'literal', text: '1' }, at: { line: 5, column: 10, endLine: 5 }, via: 'res.set' },
    ])
  })

  it('reads Django SECURE_HSTS_SECONDS as a middleware-set HSTS site, undecidable when not a literal', async () => {
    const site = async (text: string) => (await py(text, 'project/settings.py')).headers()
    expect(await site('SECURE_HSTS_SECONDS = 31_536_000\n')).toEqual([
      {
        name: 'Strict-Transport-Security',
        value: { kind: 'middleware', via: 'SECURE_HSTS_SECONDS' },
        at: { line: 1, column: 1, endLine: 1 },
        via: 'SECURE_HSTS_SECONDS',
      },
    ])
    expect(await site('SECURE_HSTS_SECONDS = int(os.environ.get("HSTS", "0"))\n')).toEqual([
      {
        name: 'Strict-Transport-Security',
        value: { kind: 'undecidable', reason: 'SECURE_HSTS_SECONDS is not a literal number' },
        at: { line: 1, column: 1, endLine: 1 },
        via: 'SECURE_HSTS_SECONDS',
      },
    ])
    expect(await site('SECURE_HSTS_SECONDS = 0\n')).toEqual([])
    expect(await site('SECURE_HSTS_SECONDS = -1\n')).toEqual([])
    expect(await site('def f():\n    SECURE_HSTS_SECONDS = 100\n')).toEqual([])
    expect(await site('# SECURE_HSTS_SECONDS = 100\nX = "SECURE_HSTS_SECONDS = 100"\n')).toEqual([])
  })
})
