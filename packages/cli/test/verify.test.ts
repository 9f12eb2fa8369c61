import { describe, expect, it } from 'vitest'
import { paramsFromPairs } from '../src/commands/verify.js'
import { cli, project } from './helpers.js'

describe('warrant verify', () => {
  it('evaluates one assertion with id a1', async () => {
    const dir = await project({ 'auth/middleware.py': 'def require_auth(r):\n    return r\n' })
    const r = await cli(dir, ['verify', 'function_exists', '-p', 'file=auth/middleware.py', '-p', 'name=require_auth'])
    expect(r).toMatchObject({ code: 0 })
    expect(r.stdout).toContain("PASS  a1  function_exists  function 'require_auth' defined at auth/middleware.py:1")
  })

  it('takes string params verbatim and parses JSON-looking values for other params', () => {
    expect(paramsFromPairs('pattern_matches', ['file=a', 'pattern=123', 'ignore_case=true'])).toEqual({
      file: 'a',
      pattern: '123',
      ignore_case: true,
    })
    expect(paramsFromPairs('config_value_matches', ['operator=<=', 'value=3600', 'key=a=b'])).toEqual({
      operator: '<=',
      value: 3600,
      key: 'a=b',
    })
    expect(paramsFromPairs('no_plaintext_secret', ['patterns=["corp_[a-z0-9]{32}"]'])).toEqual({
      patterns: ['corp_[a-z0-9]{32}'],
    })
    expect(paramsFromPairs('test_passes', ['command=npm test'])).toEqual({ command: 'npm test' })
    expect(paramsFromPairs('unknown_type', ['n=5', 's=x'])).toEqual({ n: 5, s: 'x' })
  })

  it('reports invalid params as an error result naming the param, exit 1', async () => {
    const dir = await project({})
    const r = await cli(dir, ['verify', 'function_exists', '-p', 'file=a.py', '-p', 'nmae=x', '-o', 'json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({
      status: 'error',
      details: "invalid params: 'name' is required; 'nmae' is not a parameter of function_exists",
    })
  })

  it('reports a key named like an object property as an unknown param, not a duplicate', async () => {
    const dir = await project({ a: 'x' })
    const r = await cli(dir, ['verify', 'file_exists', '-p', 'file=a', '-p', 'constructor=x', '-o', 'json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).results[0].details).toBe(
      "invalid params: 'constructor' is not a parameter of file_exists",
    )
  })

  it.each([
    [['verify', 'file_exists', '-p', 'file=a', '-p', 'file=b'], "param 'file' given twice"],
    [['verify', 'file_hash', '-p', 'file=a', '-p', 'algorithm=sha256', '-p', 'x=[1,]'], "param 'x': invalid JSON"],
    [['verify', 'file_exists', '-p', 'noequals'], '-p takes key=value'],
  ])('exits 2 for %j', async (args, message) => {
    const dir = await project({})
    const r = await cli(dir, args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
  })

  it('prints help and version with exit 0', async () => {
    const dir = await project({})
    const help = await cli(dir, ['verify', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Exit codes:')
    expect((await cli(dir, ['--version'])).code).toBe(0)
  })
})
