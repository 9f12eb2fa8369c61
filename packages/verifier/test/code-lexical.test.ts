// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected texts are shell and YAML references
import { describe, expect, it } from 'vitest'
import type { FileFacts, LanguageId } from '../src/code/facts.js'
import { analyzeLexical } from '../src/code/lexical/index.js'
import { analyze } from './code-helpers.js'

const lexical = (language: LanguageId, rel: string, text: string): Promise<FileFacts> =>
  analyze(analyzeLexical, language, rel, text)

const defs = (facts: FileFacts) =>
  facts
    .definitions()
    .map(
      (d) =>
        `${d.kind} ${d.qualified.join('.')}${d.typeKind ? ` (${d.typeKind})` : ''} @${d.at.line}:${d.at.column}${d.hasBody ? '' : ' bodiless'}`,
    )
const envs = (facts: FileFacts) => facts.envReads().map((e) => `${e.name} @${e.at.line}:${e.at.column} ${e.text}`)
const imports = (facts: FileFacts) =>
  facts.imports().map((i) => `${i.module}${i.wildcard ? ' (wildcard)' : ''} @${i.at.line} ${i.text}`)

const CPP = `#include <stdio.h>
#include "app/config.h"
#define MAX(a, b) { return a > b; }
// int commented(int x) {
/* struct Hidden { */
const char *s = "int fake(int x) { getenv(\\"NOPE\\")";
struct Fwd;
typedef struct Node { int v; } Node;
class Foo : public Bar<int> {
public:
  Foo(int x) : a(x), b{2} {}
  int get() const { return a; }
};
Foo::Foo(int y) : a(y) {
  if (check(y)) {
    do_it(y);
  }
}
int
main(void)
{
  char *h = getenv("HOME");
  int n = 1'000'000;
  auto raw = R"x(void rawfn() { getenv("RAW"))x";
  return 0;
}
enum class Color : int { Red };
void proto(int);
`

describe('lexical C and C++', () => {
  it('finds function and type definitions, not prototypes, calls, macros, comments or strings', async () => {
    const facts = await lexical('c-family', 'src/main.cpp', CPP)
    expect(defs(facts)).toEqual([
      'class Node (struct) @8:16',
      'class Foo (class) @9:7',
      'function Foo @11:3',
      'function get @12:7',
      'function Foo.Foo @14:6',
      'function main @20:1',
      'class Color (enum) @27:12',
    ])
    expect(facts.syntaxErrors()).toEqual([])
  })

  it('reads includes and getenv with a literal', async () => {
    const facts = await lexical('c-family', 'src/main.cpp', CPP)
    expect(imports(facts)).toEqual(['stdio.h @1 #include <stdio.h>', 'app/config.h @2 #include "app/config.h"'])
    expect(envs(facts)).toEqual(['HOME @22:13 getenv("HOME")'])
  })

  it('reads Objective-C types and imports; forward declarations never count', async () => {
    const facts = await lexical(
      'c-family',
      'App/View.m',
      '#import <Foundation/Foundation.h>\n@import UIKit;\n@protocol Fwd;\n@class Other;\n@interface Foo : NSObject\n@end\n@protocol Delegate <NSObject>\n@end\nstatic int helper(int x) { return x; }\n',
    )
    expect(defs(facts)).toEqual([
      'class Foo (interface) @5:12',
      'class Delegate (protocol) @7:11',
      'function helper @9:12',
    ])
    expect(imports(facts)).toEqual([
      'Foundation/Foundation.h @1 #import <Foundation/Foundation.h>',
      'UIKit @2 @import UIKit;',
    ])
  })
})

describe('lexical Swift, Scala, Dart, Groovy', () => {
  it('Swift: func names (protocol requirements bodiless), types and imports; strings are opaque', async () => {
    const facts = await lexical(
      'c-family',
      'Sources/View.swift',
      `import Foundation
@testable import MyApp
protocol Renderer { func draw() -> Int
}
final class View: UIView {
  func render(x: Int) -> String {
    let s = "func fake() { \\(x.describe("a")) }"
    return s
  }
  class func make() {}
}
let raw = #"class Nope {}"#
/* func commented() { /* nested */ } */
`,
    )
    expect(defs(facts)).toEqual([
      'class Renderer (protocol) @3:10',
      'function draw @3:26 bodiless',
      'class View (class) @5:13',
      'function render @6:8',
      'function make @10:14',
    ])
    expect(imports(facts)).toEqual(['Foundation @1 import Foundation', 'MyApp @2 import MyApp'])
  })

  it('Scala: def, class/trait/object and import clauses', async () => {
    const facts = await lexical(
      'c-family',
      'src/App.scala',
      `import scala.collection.mutable._
import a.b.{C, D => E}, x.y.Z
trait T { def abs: Int
  def conc(x: Int): Int = x
}
case class P(x: Int)
object O { val s = "def nope"; val c = 'x' }
`,
    )
    expect(defs(facts)).toEqual([
      'class T (trait) @3:7',
      'function abs @3:15 bodiless',
      'function conc @4:7',
      'class P (class) @6:12',
      'class O (object) @7:8',
    ])
    expect(imports(facts)).toEqual([
      'scala.collection.mutable (wildcard) @1 import scala.collection.mutable._',
      'a.b.C @2 import a.b.{C, D => E}, x.y.Z',
      'a.b.D @2 import a.b.{C, D => E}, x.y.Z',
      'x.y.Z @2 import a.b.{C, D => E}, x.y.Z',
    ])
  })

  it('Dart: functions with a body, classes/mixins/enums, string imports; calls with closures are not definitions', async () => {
    const facts = await lexical(
      'c-family',
      'lib/a.dart',
      `import 'package:http/http.dart' as http;
class A extends B with M {
  A(this.x) : super(x) {}
  void build(BuildContext c) {
    items.forEach((i) { print('\${f("}")}'); });
  }
}
mixin class Mx {}
`,
    )
    expect(defs(facts)).toEqual([
      'class A (class) @2:7',
      'function A @3:3',
      'function build @4:8',
      'class Mx (class) @8:13',
    ])
    expect(imports(facts)).toEqual(["package:http/http.dart @1 import 'package:http/http.dart' as http;"])
  })

  it('Groovy: methods need a type or def before the name (trailing-closure calls do not count)', async () => {
    const facts = await lexical(
      'c-family',
      'vars/build.groovy',
      `import groovy.json.*
import static java.lang.Math.max
class Svc {
  def handle(req) { stage('x') { echo "hi" } }
  String name() { return 'x' }
  def abs()
}
node('x') { sh "make" }
def home = System.getenv("JENKINS_HOME")
`,
    )
    expect(defs(facts)).toEqual([
      'class Svc (class) @3:7',
      'function handle @4:7',
      'function name @5:10',
      'function abs @6:7 bodiless',
    ])
    expect(imports(facts)).toEqual([
      'groovy.json (wildcard) @1 import groovy.json.*',
      'java.lang.Math.max @2 import static java.lang.Math.max',
    ])
    expect(envs(facts)).toEqual(['JENKINS_HOME @9:19 getenv("JENKINS_HOME")'])
  })
})

describe('lexical shell', () => {
  const SCRIPT = `#!/bin/bash
# echo $COMMENTED
greet() {
  echo "hello \${NAME:-world} $#" # trailing $ALSO_COMMENTED
  echo \${#LEN} a#b $USER_ID \\$ESCAPED '$SINGLE' $$PIDX $HOME_DIR
}
function deploy {
  cat <<EOF
# not a comment $IN_HEREDOC
fake() {
EOF
}
echo "notfn() {"
my-func() { :; }
`

  it('finds name() { and function name, not in strings or here-documents', async () => {
    const facts = await lexical('shell', 'scripts/run.sh', SCRIPT)
    expect(defs(facts)).toEqual(['function greet @3:1', 'function deploy @7:10'])
  })

  it('reads $X and ${X…} outside comments; $$, \\$ and ${#X} are not references', async () => {
    const facts = await lexical('shell', 'scripts/run.sh', SCRIPT)
    expect(envs(facts)).toEqual([
      'NAME @4:15 ${NAME:-world}',
      'USER_ID @5:20 $USER_ID',
      'SINGLE @5:40 $SINGLE',
      'HOME_DIR @5:56 $HOME_DIR',
      'IN_HEREDOC @9:17 $IN_HEREDOC',
    ])
    expect(facts.imports()).toEqual([])
  })
})

describe('lexical Dockerfile, .env and YAML', () => {
  it('reads ENV (pairs, legacy form, continuations) and ARG names plus references', async () => {
    const facts = await lexical(
      'dockerfile',
      'Dockerfile',
      `FROM node:20
# ENV COMMENTED=1
ENV NODE_ENV=production \\
    # inner comment
    PORT=8080 A="x y"
ENV LEGACY some value $REF
ARG VERSION
ARG BUILD=1
RUN echo $$DOUBLE \${BRACED:-x} # $NOPE
`,
    )
    expect(envs(facts)).toEqual([
      'NODE_ENV @3:5 ENV NODE_ENV=production \\',
      'PORT @5:5 ENV NODE_ENV=production \\',
      'A @5:15 ENV NODE_ENV=production \\',
      'LEGACY @6:5 ENV LEGACY some value $REF',
      'REF @6:23 $REF',
      'VERSION @7:5 ARG VERSION',
      'BUILD @8:5 ARG BUILD=1',
      'BRACED @9:19 ${BRACED:-x}',
    ])
  })

  it('.env: definitions are not references; comments only at a word start outside quotes', async () => {
    const facts = await lexical(
      'dotenv',
      '.env.production',
      '# $COMMENT\nDB_URL=postgres://${DB_HOST}:5432 # $NOT_THIS\nX="a # $QUOTED"\nY=a#$MIDWORD\nPASS=pa$$word\n',
    )
    expect(envs(facts)).toEqual(['DB_HOST @2:19 ${DB_HOST}', 'QUOTED @3:8 $QUOTED', 'MIDWORD @4:5 $MIDWORD'])
  })

  it('YAML: $$ is escaped, comments removed, block scalars and quoted # kept', async () => {
    const facts = await lexical(
      'yaml',
      'docker-compose.yml',
      `# \${COMMENTED}
services:
  web:
    image: "app:\${TAG}"  # \${NOPE}
    command: echo $$ESCAPED $REAL it's #\${NOT_EITHER}
    steps:
      - run: |
          echo $IN_BLOCK # \${STILL_BLOCK}
        name: x # \${AFTER_BLOCK}
    x: '# \${QUOTED_HASH}'
`,
    )
    expect(envs(facts)).toEqual([
      'TAG @4:17 ${TAG}',
      'REAL @5:29 $REAL',
      'IN_BLOCK @8:16 $IN_BLOCK',
      'STILL_BLOCK @8:28 ${STILL_BLOCK}',
      'QUOTED_HASH @10:11 ${QUOTED_HASH}',
    ])
    expect(facts.definitions()).toEqual([])
  })
})

describe('lexical server configuration', () => {
  it('reads nginx add_header and Apache Header set/add/append/merge, never unset or comments', async () => {
    const facts = await lexical(
      'server-config',
      'deploy/site.conf',
      `server {
  # add_header X-Commented "1";
  add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
  add_header X-Frame-Options DENY;
  add_header X-Bad a b c;
}
Header always set Content-Security-Policy "default-src 'self'"
Header unset Server
  header append Vary Origin
`,
    )
    expect(facts.headers()).toEqual([
      {
        name: 'Strict-Transport-Security',
        value: { kind: 'literal', text: 'max-age=63072000; includeSubDomains' },
        at: { line: 3, column: 3, endLine: 3 },
        via: 'add_header',
      },
      {
        name: 'X-Frame-Options',
        value: { kind: 'literal', text: 'DENY' },
        at: { line: 4, column: 3, endLine: 4 },
        via: 'add_header',
      },
      {
        name: 'Content-Security-Policy',
        value: { kind: 'literal', text: "default-src 'self'" },
        at: { line: 7, column: 1, endLine: 7 },
        via: 'Header set',
      },
      {
        name: 'Vary',
        value: { kind: 'literal', text: 'Origin' },
        at: { line: 9, column: 3, endLine: 9 },
        via: 'Header append',
      },
    ])
    expect(facts.envReads()).toEqual([])
    expect(facts.syntaxErrors()).toEqual([])
  })
})
