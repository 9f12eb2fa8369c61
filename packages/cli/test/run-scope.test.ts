import type { Result } from '@warrant/core'
import { describe, expect, it } from 'vitest'
import { parseChangedFiles, touches } from '../src/run/scope.js'

const t1 = (files: string[] = []): Result => ({
  id: 'a',
  type: 'x',
  status: 'pass',
  details: '',
  locations: files.map((file) => ({ file, line: 1 })),
})
const changed = new Set(['auth/middleware.py', 'src/api/users.ts', 'deleted.py'])

describe('--changed-files', () => {
  it('reads one repo-relative path a line, ignoring blank lines, CRLF and a leading ./', () => {
    expect([...parseChangedFiles('auth/a.py\r\n\n./src/b.ts\n  \n', 'f')]).toEqual(['auth/a.py', 'src/b.ts'])
    expect(parseChangedFiles('', 'f').size).toBe(0)
  })

  it('refuses a list it cannot compare with the assertions, naming the line', () => {
    for (const [text, line] of [
      ['a.py\n../etc/passwd', 2],
      ['/abs/a.py', 1],
      ['"quoted\\303\\251.py"', 1],
      ['src\\win.py', 1],
      ['src//a.py', 1],
      ['C:/a.py', 1],
    ] as const)
      expect(() => parseChangedFiles(text, 'changed.txt'), text).toThrow(
        expect.objectContaining({
          code: 'changed_files_invalid',
          message: expect.stringContaining(`changed.txt:${line}:`),
        }),
      )
  })
})

describe('an assertion touches the changed files', () => {
  it('when a path parameter names one, a glob matches one, or a Tier 1 location lies in one', () => {
    expect(touches({ type: 'function_exists', params: { file: 'auth/middleware.py', name: 'f' } }, t1(), changed)).toBe(
      true,
    )
    expect(touches({ type: 'file_exists', params: { file: './deleted.py' } }, t1(), changed)).toBe(true)
    expect(
      touches({ type: 'dependency_exists', params: { manifest: 'package.json', package: 'x' } }, t1(), changed),
    ).toBe(false)
    expect(touches({ type: 'pattern_absent', params: { glob: 'src/**/*.ts', pattern: 'eval' } }, t1(), changed)).toBe(
      true,
    )
    expect(touches({ type: 'pattern_absent', params: { glob: 'lib/**', pattern: 'eval' } }, t1(), changed)).toBe(false)
    expect(touches({ type: 'test_exists', params: { pattern: 'tests/**', test_name: 't' } }, t1(), changed)).toBe(false)
    expect(
      touches(
        { type: 'function_exists', params: { file: 'other.py', name: 'f' } },
        t1(['auth/middleware.py']),
        changed,
      ),
    ).toBe(true)
  })

  it('always when its scope cannot be decided (fail closed)', () => {
    const untouched = new Set(['README.md'])
    expect(touches({ type: 'rtl_signal_present', params: { file: 'a.v' } }, t1(), untouched)).toBe(true)
    expect(touches({ type: 'test_passes', params: { file: 'tests/test_a.py' } }, t1(), untouched)).toBe(true)
    expect(touches({ type: 'test_passes', params: { command: 'make test' } }, t1(), untouched)).toBe(true)
    expect(touches({ type: 'function_exists', params: { name: 'f' } }, t1(), untouched)).toBe(true)
    expect(touches({ type: 'file_exists', params: { file: ['a', 'b'] } }, t1(), untouched)).toBe(true)
    expect(touches({ type: 'pattern_absent', params: { glob: 'src/[a', pattern: 'x' } }, t1(), untouched)).toBe(true)
  })
})
