import { describe, expect, it } from 'vitest'
import type { FileFacts } from '../src/code/facts.js'
import { analyzePhp } from '../src/code/php.js'
import { analyze } from './code-helpers.js'

const php = (text: string): Promise<FileFacts> => analyze(analyzePhp, 'php', 'src/x.php', text)

const CONTROLLER = `<p>function notCode() {}</p>
<?php
namespace App\\Http;

use App\\Models\\User;
use Illuminate\\Support\\{Str, Arr as A};
use function App\\helpers\\render;
require_once 'vendor/autoload.php';
include __DIR__ . '/dynamic.php';

// function commented_out($x) {}
/* class Hidden {} */
$s = "function inString() {}";

function Render_Comment(string $body, ?int &$limit = null, ...$rest): string
{
    if (!$body) {
        throw new \\InvalidArgumentException("empty");
    }
    if ($limit === null) return '';
    $clean = fn($z) => trim($z);
    return htmlspecialchars($body, ENT_QUOTES, 'UTF-8');
}

abstract class UserController extends Controller implements HasRoutes
{
    public function __construct(private UserService $service) {}

    abstract protected function authorizeUser($user);

    public function store($request)
    {
        $this->validate($request, ['email' => 'required']);
        $user = new User($request->all());
        Str::slug($user->name);
        parent::store($request);
        try {
            $this->service?->save($user);
        } catch (\\Foo\\QueryException | ModelNotFound $e) {
            report($e);
        } finally {
            cleanup();
        }
    }
}

interface HasRoutes { public function routes(); }
trait Loggable {}
enum Suit: string { case Hearts = 'H'; }
`

describe('php definitions', () => {
  it('reads functions, methods and class-like types with qualification and body', async () => {
    const facts = await php(CONTROLLER)
    expect(
      facts.definitions().map((d) => [d.id, d.kind, d.qualified.join('.'), d.typeKind, d.hasBody, d.at.line]),
    ).toEqual([
      [1, 'function', 'Render_Comment', undefined, true, 15],
      [2, 'class', 'UserController', 'class', true, 25],
      [3, 'function', 'UserController.__construct', undefined, true, 27],
      [4, 'function', 'UserController.authorizeUser', undefined, false, 29],
      [5, 'function', 'UserController.store', undefined, true, 31],
      [6, 'class', 'HasRoutes', 'interface', true, 47],
      [7, 'function', 'HasRoutes.routes', undefined, false, 47],
      [8, 'class', 'Loggable', 'trait', true, 48],
      [9, 'class', 'Suit', 'enum', true, 49],
    ])
    expect(facts.syntaxErrors()).toEqual([])
  })

  it('lists parameters without `$`, `&` or `...`, promoted ones included', async () => {
    const facts = await php(CONTROLLER)
    const byName = (n: string) => facts.definitions().find((d) => d.qualified.at(-1) === n)!
    expect(byName('Render_Comment').params.map((p) => `${p.name}@${p.at.line}:${p.at.column}`)).toEqual([
      'body@15:32',
      'limit@15:45',
      'rest@15:63',
    ])
    expect(byName('__construct').params.map((p) => p.name)).toEqual(['service'])
  })

  it('ignores definitions in an error region', async () => {
    const facts = await php('<?php\nfunction ok() {}\nfunction broken( {\n')
    expect(facts.syntaxErrors()).toHaveLength(1)
    expect(facts.definitions().map((d) => d.qualified.join('.'))).toEqual(['ok'])
  })
})

describe('php calls', () => {
  it('builds call paths for functions, methods, static calls and constructors', async () => {
    const facts = await php(CONTROLLER)
    expect(facts.calls().map((c) => [c.path.join('.'), c.at.line, c.scopes])).toEqual([
      ['InvalidArgumentException', 18, [1]],
      ['trim', 21, [1]],
      ['htmlspecialchars', 22, [1]],
      ['this.validate', 33, [5]],
      ['User', 34, [5]],
      ['request.all', 34, [5]],
      ['Str.slug', 35, [5]],
      ['parent.store', 36, [5]],
      ['this.service.save', 38, [5]],
      ['report', 40, [5]],
      ['cleanup', 42, [5]],
    ])
  })

  it('collects argument variables (not member names) and the receiver variable', async () => {
    const facts = await php(CONTROLLER)
    const validate = facts.calls().find((c) => c.path.join('.') === 'this.validate')!
    expect(validate.argIdentifiers).toEqual(['request'])
    expect(validate.receiverIdentifiers).toEqual(['this'])
    const slug = facts.calls().find((c) => c.path.join('.') === 'Str.slug')!
    expect(slug.argIdentifiers).toEqual(['user'])
    expect(slug.receiverIdentifiers).toEqual([])
  })
})

describe('php guards and handlers', () => {
  it('reads if guards whose branch throws or returns, and elseif clauses on their own', async () => {
    const facts = await php(`<?php
function f($a, $b) {
    if ($a > 1) { log($a); }
    if (!is_numeric($a)): abort(400); endif;
    if ($b) { x(); } elseif (empty($a)) { return false; } else { y(); }
}
`)
    expect(facts.guards().map((g) => [g.identifiers, g.at.line, g.scopes])).toEqual([
      [['a'], 4, [1]],
      [['a'], 5, [1]],
    ])
  })

  it('reads catch clauses with union types read as segments; try/finally alone is no handler', async () => {
    const facts = await php(CONTROLLER)
    expect(facts.errorHandlers()).toEqual([
      {
        label: 'catch',
        types: [['Foo', 'QueryException'], ['ModelNotFound']],
        at: { line: 39, column: 11, endLine: 41 },
        scopes: [5],
      },
    ])
  })
})

describe('php imports, env reads and headers', () => {
  it('reads use (grouped too) and require/include with a literal', async () => {
    const facts = await php(CONTROLLER)
    expect(facts.imports().map((i) => [i.module, i.at.line, i.text])).toEqual([
      ['App\\Models\\User', 5, 'use App\\Models\\User;'],
      ['Illuminate\\Support\\Str', 6, 'use Illuminate\\Support\\{Str, Arr as A};'],
      ['Illuminate\\Support\\Arr', 6, 'use Illuminate\\Support\\{Str, Arr as A};'],
      ['App\\helpers\\render', 7, 'use function App\\helpers\\render;'],
      ['vendor/autoload.php', 8, "require_once 'vendor/autoload.php'"],
    ])
  })

  it('reads getenv, $_ENV and $_SERVER with literal names only', async () => {
    const facts = await php(`<?php
$a = getenv('APP_KEY');
$b = $_ENV["DB_HOST"];
$c = $_SERVER['REQUEST_METHOD'];
$_ENV['WRITTEN'] = 1;
$d = getenv($name);
// getenv('COMMENTED');
$e = "getenv('IN_STRING')";
`)
    expect(facts.envReads()).toEqual([
      { name: 'APP_KEY', at: { line: 2, column: 6, endLine: 2 }, text: "getenv('APP_KEY')" },
      { name: 'DB_HOST', at: { line: 3, column: 6, endLine: 3 }, text: '$_ENV["DB_HOST"]' },
      { name: 'REQUEST_METHOD', at: { line: 4, column: 6, endLine: 4 }, text: "$_SERVER['REQUEST_METHOD']" },
    ])
  })

  it('reads header("Name: value") split at the first colon, and header-setting calls', async () => {
    const facts = await php(`<?php
header("X-Frame-Options:  DENY ");
header('Content-Security-Policy: ' . $policy);
header("X-Request-Id: {$id}");
header('HTTP/1.1 404 Not Found');
$response->headers->set('Strict-Transport-Security', 'max-age=31536000');
$response->header('X-Count', 3);
// header("X-Commented: 1");
`)
    expect(facts.headers().map((h) => [h.name, h.value, h.at.line, h.via])).toEqual([
      ['X-Frame-Options', { kind: 'literal', text: 'DENY' }, 2, 'header'],
      ['Content-Security-Policy', { kind: 'dynamic' }, 3, 'header'],
      ['X-Request-Id', { kind: 'dynamic' }, 4, 'header'],
      ['Strict-Transport-Security', { kind: 'literal', text: 'max-age=31536000' }, 6, 'response->headers->set'],
      ['X-Count', { kind: 'literal', text: '3' }, 7, 'response->header'],
    ])
  })
})
