import { describe, expect, it } from 'vitest'
import { Checkout } from '../src/checkout/checkout.js'
import { compileGlob } from '../src/checkout/glob.js'
import { normalizePath } from '../src/checkout/paths.js'
import { clip } from '../src/checkout/text.js'
import { makeTree } from './helpers.js'

describe('path confinement (§2.1)', () => {
  it.each([
    ['/etc/passwd', 'absolute path not allowed: /etc/passwd'],
    ['C:/x', 'absolute path not allowed: C:/x'],
    ['//server/x', 'absolute path not allowed: //server/x'],
    ['../x', 'path escapes project root: ../x'],
    ['a/../../x', 'path escapes project root: a/../../x'],
    ['a\\b', 'backslash in path not allowed: a\\b'],
  ])('%s is refused', (p, message) => {
    expect(normalizePath(p)).toEqual({ ok: false, message })
  })

  it('normalises ./, . and .. lexically', () => {
    expect(normalizePath('./a/./b/../c.py')).toEqual({ ok: true, rel: 'a/c.py' })
  })

  it('refuses control characters', () => {
    expect(normalizePath('a\nb').ok).toBe(false)
  })

  it('refuses symlinks that resolve outside, also dangling ones, and follows those inside', async () => {
    const root = await makeTree({
      files: { 'real/a.py': 'x = 1\n' },
      symlinks: { 'out.py': '../../outside.py', 'in.py': 'real/a.py', dir: 'real', 'dangling.py': 'nothere.py' },
    })
    const c = await Checkout.open(root)
    expect(await c.locate('out.py')).toEqual({
      problem: 'error',
      message: 'symlink resolves outside project root: out.py',
    })
    expect(await c.locate('in.py')).toEqual({ rel: 'in.py', size: 6 })
    expect(await c.locate('dir/a.py')).toEqual({ rel: 'dir/a.py', size: 6 })
    expect(await c.locate('dangling.py')).toEqual({
      problem: 'fail',
      message: 'not a regular file (dangling symlink): dangling.py',
    })
    expect(await c.locate('real')).toEqual({ problem: 'fail', message: 'not a regular file (directory): real' })
    expect(await c.locate('missing.py')).toEqual({ problem: 'fail', message: 'file not found: missing.py' })
  })

  it('compares names with the exact case of the checkout', async () => {
    const root = await makeTree({ files: { 'App.py': 'x = 1\n' } })
    const c = await Checkout.open(root)
    expect(await c.locate('app.py')).toEqual({ problem: 'fail', message: 'file not found: app.py' })
  })
})

describe('reading (§2.3)', () => {
  it('caps the size, detects binary and UTF-16 files, strips the BOM, reads once', async () => {
    const root = await makeTree({
      files: {
        'big.txt': 'x'.repeat(101),
        'bin.dat': Buffer.from([0x41, 0x00, 0x42]),
        'u16.txt': Buffer.from([0xff, 0xfe, 0x41, 0x00]),
        'bom.py': '\uFEFFdef f(): pass\n',
        'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
      },
    })
    const c = await Checkout.open(root, 100)
    expect(await c.readText('big.txt')).toEqual({
      problem: 'error',
      message: 'file too large (101 bytes, cap 100): big.txt',
    })
    expect(await c.readText('bin.dat')).toEqual({
      problem: 'error',
      message: 'binary file where text is needed: bin.dat',
    })
    expect(await c.readText('u16.txt')).toEqual({
      problem: 'error',
      message: 'binary file where text is needed: u16.txt',
    })
    const bom = await c.readText('bom.py')
    expect('text' in bom && bom.text).toBe('def f(): pass\n')
    expect('size' in bom && bom.size).toBe(17)
    const latin = await c.readText('latin1.txt')
    expect('text' in latin && latin.text).toBe('caf\ufffd\n')
    expect(await c.read('bom.py')).toBe(await c.read('bom.py'))
  })
})

describe('globs (§2.2)', () => {
  it('compiles the documented syntax', () => {
    const t = (g: string, p: string) => compileGlob(g).regex.test(p)
    expect(t('src/*.py', 'src/a.py')).toBe(true)
    expect(t('src/*.py', 'src/x/a.py')).toBe(false)
    expect(t('src/**/*.py', 'src/a.py')).toBe(true)
    expect(t('src/**/*.py', 'src/x/y/a.py')).toBe(true)
    expect(t('config/*', 'config/.env')).toBe(true)
    expect(t('a?.txt', 'ab.txt')).toBe(true)
    expect(t('[!a]b', 'ab')).toBe(false)
    expect(t('[a-c]b', 'cb')).toBe(true)
    expect(t('*.{js,ts}', 'x.ts')).toBe(true)
    expect(t('\\*.txt', '*.txt')).toBe(true)
    expect(t('\\*.txt', 'a.txt')).toBe(false)
    expect(t('src/*.py', 'SRC/a.py')).toBe(false)
  })

  it('walks with the exclusions and .gitignore semantics, sorted by bytes', async () => {
    const root = await makeTree({
      files: {
        'src/b.js': '',
        'src/a.js': '',
        'src/Z.js': '',
        'src/node_modules/x.js': '',
        'src/gen/out.js': '',
        'src/gen/keep.js': '',
        'src/sub/.gitignore': 'local.js\n',
        'src/sub/local.js': '',
        'vendor/acme/v.js': '',
        'dist/d.js': '',
        '.gitignore': 'src/gen/*\n!src/gen/keep.js\n',
      },
      symlinks: { 'src/link.js': 'a.js', 'src/out.js': '../../outside.js', 'src/dirlink': 'sub' },
    })
    const c = await Checkout.open(root)
    expect(await c.glob('**/*.js')).toEqual({
      files: ['src/Z.js', 'src/a.js', 'src/b.js', 'src/gen/keep.js', 'src/link.js'],
    })
    expect(await c.glob('vendor/acme/**/*.js')).toEqual({ files: ['vendor/acme/v.js'] })
    expect(await c.glob('../*.js')).toEqual({ problem: 'error', message: 'path escapes project root: ../*.js' })
  })
})

describe('snippets (§1.5)', () => {
  it('are cut with … and never split a surrogate pair', () => {
    expect(clip('a'.repeat(300), 200)).toBe(`${'a'.repeat(199)}…`)
    const cut = clip(`${'a'.repeat(198)}😀${'b'.repeat(50)}`, 200)
    expect(cut).toBe(`${'a'.repeat(198)}…`)
    expect(clip('short', 200)).toBe('short')
  })
})
