import { describe, expect, it } from 'vitest'
import type { FileFacts } from '../src/code/facts.js'
import { analyzeRuby } from '../src/code/ruby.js'
import { analyze } from './code-helpers.js'

const ruby = (text: string): Promise<FileFacts> => analyze(analyzeRuby, 'ruby', 'app/x.rb', text)

const SERVICE = `require "json"
require_relative "boot"

module Shop
  # def commented_out(x)
  class Importer < Base
    NOTE = "def in_string; end"

    def self.build(a, *rest, **opts, &blk)
      new(a)
    end

    def parse(payload, (first, second), limit: 10)
      raise ArgumentError, "empty" unless valid?(payload)
      return nil if payload.nil?
      JSON.parse(payload)
      authorize!
      helper
      items.each { |i| check(i) }
    rescue JSON::ParserError, Timeout => e
      log(e)
    end
  end
end

def other
  validate(x)
end
`

describe('ruby definitions', () => {
  it('reads methods, singleton methods, classes and modules with their qualification', async () => {
    const facts = await ruby(SERVICE)
    expect(
      facts.definitions().map((d) => [d.id, d.kind, d.qualified.join('.'), d.typeKind, d.at.line, d.at.endLine]),
    ).toEqual([
      [1, 'class', 'Shop', 'module', 4, 24],
      [2, 'class', 'Shop.Importer', 'class', 6, 23],
      [3, 'function', 'Shop.Importer.build', undefined, 9, 11],
      [4, 'function', 'Shop.Importer.parse', undefined, 13, 22],
      [5, 'function', 'other', undefined, 26, 28],
    ])
    expect(facts.syntaxErrors()).toEqual([])
  })

  it('lists parameters without sigils, destructured names included', async () => {
    const facts = await ruby(SERVICE)
    const [build, parse] = facts.definitions().filter((d) => d.kind === 'function')
    expect(build!.params.map((p) => p.name)).toEqual(['a', 'rest', 'opts', 'blk'])
    expect(parse!.params.map((p) => `${p.name}@${p.at.line}:${p.at.column}`)).toEqual([
      'payload@13:15',
      'first@13:25',
      'second@13:32',
      'limit@13:41',
    ])
    expect(parse!.hasBody).toBe(true)
  })

  it('qualifies `class A::B` by its segments and skips `class << self`', async () => {
    const facts = await ruby('class Api::V1::Users\n  class << self\n    def find; end\n  end\nend\n')
    expect(facts.definitions().map((d) => d.qualified)).toEqual([
      ['Api', 'V1', 'Users'],
      ['Api', 'V1', 'Users', 'find'],
    ])
  })

  it('ignores definitions inside a syntax-error region and reports its line', async () => {
    const facts = await ruby('def ok\nend\n\ndef broken(\n  x = [1,\nend\n')
    expect(facts.syntaxErrors()).toHaveLength(1)
    expect(facts.definitions().map((d) => d.qualified.join('.'))).toContain('ok')
    expect(facts.definitions().map((d) => d.qualified.join('.'))).not.toContain('broken')
  })
})

describe('ruby calls', () => {
  it('counts calls with arguments, parentheses, a receiver or a block, and bare names ending in ! or ?', async () => {
    const facts = await ruby(SERVICE)
    const inParse = facts.calls().filter((c) => c.scopes.includes(4))
    expect(inParse.map((c) => c.path.join('.'))).toEqual([
      'raise',
      'valid?',
      'payload.nil?',
      'JSON.parse',
      'authorize!',
      'items.each',
      'check',
      'log',
    ])
    expect(inParse.find((c) => c.path.join('.') === 'valid?')!.argIdentifiers).toEqual(['payload'])
    expect(inParse.find((c) => c.path.join('.') === 'payload.nil?')!.receiverIdentifiers).toEqual(['payload'])
  })

  it('gives closures no scope of their own and keeps calls of other methods apart', async () => {
    const facts = await ruby(SERVICE)
    expect(facts.calls().find((c) => c.path[0] === 'check')!.scopes).toEqual([4])
    expect(facts.calls().find((c) => c.path[0] === 'validate')!.scopes).toEqual([5])
    expect(facts.calls().find((c) => c.path[0] === 'new')!.scopes).toEqual([3])
  })

  it('ends the chain at a receiver that is a call with arguments; method names are not identifiers', async () => {
    const facts = await ruby('def f(token)\n  client(1).jwt.decode(token.value, user.name)\nend\n')
    const decode = facts.calls().find((c) => c.path.at(-1) === 'decode')!
    expect(decode.path).toEqual(['jwt', 'decode'])
    expect(decode.argIdentifiers).toEqual(['token', 'user'])
    expect(decode.at).toEqual({ line: 2, column: 3, endLine: 2 })
  })
})

describe('ruby guards and handlers', () => {
  it('reads modifier and block guards whose branch raises or returns', async () => {
    const text = `def create(amount, account)
  raise ArgumentError, "bad" unless amount.positive?
  if account.nil?
    log("no account")
  end
  unless account.active?
    return
  end
  puts "x" if amount > 3
end
`
    const facts = await ruby(text)
    expect(facts.guards()).toEqual([
      { kind: 'guard', identifiers: ['amount'], at: { line: 2, column: 3, endLine: 2 }, scopes: [1] },
      { kind: 'guard', identifiers: ['account'], at: { line: 6, column: 3, endLine: 8 }, scopes: [1] },
    ])
  })

  it('reads begin/rescue, method-level rescue and the rescue modifier with their types', async () => {
    const facts = await ruby(`${SERVICE}
def fetch
  begin
    get
  rescue => e
    nil
  ensure
    close
  end
  risky rescue nil
end

def only_ensure
  begin
    work
  ensure
    done
  end
end
`)
    expect(facts.errorHandlers().map((h) => [h.label, h.types, h.at.line, h.scopes])).toEqual([
      ['rescue', [['JSON', 'ParserError'], ['Timeout']], 20, [4]],
      ['rescue', [], 33, [6]],
      ['rescue', [], 38, [6]],
    ])
  })
})

describe('ruby imports, env reads, middleware and headers', () => {
  it('reads require and require_relative with a literal only', async () => {
    const facts = await ruby(
      'require "json"\nrequire_relative \'lib/auth\'\nrequire name\n# require "commented"\nx = "require \'fake\'"\n',
    )
    expect(facts.imports()).toEqual([
      { module: 'json', at: { line: 1, column: 1, endLine: 1 }, text: 'require "json"' },
      { module: 'lib/auth', at: { line: 2, column: 1, endLine: 2 }, text: "require_relative 'lib/auth'" },
    ])
  })

  it('reads ENV["X"] and ENV.fetch("X"), not writes, computed names or strings', async () => {
    const facts = await ruby(
      'a = ENV["SECRET_KEY"]\nb = ENV.fetch("PORT", 3000)\nENV["WRITTEN"] = "1"\nc = ENV[name]\nd = "ENV[\'NOPE\']"\n# ENV["COMMENTED"]\n',
    )
    expect(facts.envReads()).toEqual([
      { name: 'SECRET_KEY', at: { line: 1, column: 5, endLine: 1 }, text: 'ENV["SECRET_KEY"]' },
      { name: 'PORT', at: { line: 2, column: 5, endLine: 2 }, text: 'ENV.fetch("PORT", 3000)' },
    ])
  })

  it('reads Rails middleware registrations (use: first argument, insert_before/after: second)', async () => {
    const facts = await ruby(`module Shop
  class Application < Rails::Application
    config.middleware.use Rack::Attack
    config.middleware.insert_before 0, Rack::Cors do
    end
    config.middleware.insert_after ActionDispatch::Static, Rack::Deflater
    use Other
    # config.middleware.use Commented
  end
end
`)
    expect(facts.middleware()).toEqual([
      { path: ['Rack', 'Attack'], at: { line: 3, column: 5, endLine: 3 }, via: 'config.middleware.use' },
      { path: ['Rack', 'Cors'], at: { line: 4, column: 5, endLine: 5 }, via: 'config.middleware.insert_before' },
      { path: ['Rack', 'Deflater'], at: { line: 6, column: 5, endLine: 6 }, via: 'config.middleware.insert_after' },
    ])
  })

  it('reads header calls, header hashes and response.headers assignments', async () => {
    const facts = await ruby(`def show
  response.headers["X-Frame-Options"] = "DENY"
  headers["X-Request-Id"] = request_id
  response.set_header("Ignored", "1")
  res.set("Cache-Control", "no-store")
  headers "Referrer-Policy" => "no-referrer"
  other["Not-A-Header"] = "x"
end
`)
    expect(facts.headers().map((h) => [h.name, h.value, h.at.line, h.via])).toEqual([
      ['X-Frame-Options', { kind: 'literal', text: 'DENY' }, 2, 'response.headers[...]'],
      ['X-Request-Id', { kind: 'dynamic' }, 3, 'headers[...]'],
      ['Cache-Control', { kind: 'literal', text: 'no-store' }, 5, 'res.set'],
      ['Referrer-Policy', { kind: 'literal', text: 'no-referrer' }, 6, 'headers'],
    ])
  })
})

describe('ruby test blocks', () => {
  it('names RSpec examples inside describe/context blocks by their joined titles', async () => {
    const facts = await ruby(`RSpec.describe Api::Users, type: :request do
  context "when signed in" do
    it "returns the profile" do
    end
    specify "lists #{interpolated}" do
    end
  end
  scenario 'logs out'
end

it "outside any group" do
end
`)
    expect(facts.testBlocks()).toEqual([
      {
        name: 'returns the profile',
        fullName: 'Api::Users when signed in returns the profile',
        at: { line: 3, column: 5, endLine: 4 },
      },
      { name: 'logs out', fullName: 'Api::Users logs out', at: { line: 8, column: 3, endLine: 8 } },
    ])
  })
})
