import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { GitIgnore } from './gitignore.js'
import { compileGlob } from './glob.js'
import { isUnreportablePath, normalizePath } from './paths.js'
import { TextIndex } from './text.js'

export const DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024
const BINARY_SNIFF = 8192
const EXCLUDED_DIRS = new Set(['.git', 'node_modules', 'vendor', 'dist', 'build'])

/** A file's bytes as read once, with its digest; text files also carry the decoded text. */
export interface FileContent {
  rel: string
  size: number
  sha256: string
  binary: boolean
  bytes: Buffer
}

export interface TextFile extends FileContent {
  /** Decoded UTF-8 with a leading BOM removed. */
  text: string
  index: TextIndex
}

/** Why a file could not be read: `fail` outcomes (missing, not regular) or `error` outcomes. */
export type ReadProblem = { problem: 'fail' | 'error'; message: string }
export const isProblem = (x: unknown): x is ReadProblem =>
  typeof x === 'object' && x !== null && 'problem' in (x as Record<string, unknown>)

export type GlobSelection = { files: string[] } | ReadProblem

/**
 * A checkout: the project root resolved once to its real path, every file read at most once (the bytes of the
 * first read are what every assertion sees), path confinement (§2.1) and glob walks (§2.2).
 */
export class Checkout {
  private readonly contents = new Map<string, Promise<FileContent | ReadProblem>>()
  private readonly dirListings = new Map<string, Promise<string[] | undefined>>()
  /** lstat of absolute paths, shared by every confinement check of the run. */
  private readonly lstats = new Map<string, Promise<Awaited<ReturnType<typeof lstat>> | undefined>>()
  private readonly gitignore: GitIgnore
  /** Per-file memo for derived data (parsed trees, config documents), keyed by consumer. */
  readonly memo = new Map<string, Promise<unknown>>()
  /** Identifies this checkout's run to the analysis workers. */
  readonly id = nextCheckoutId++

  private constructor(
    readonly root: string,
    readonly maxFileSize: number,
  ) {
    this.gitignore = new GitIgnore(root)
  }

  static async open(root: string, maxFileSize = DEFAULT_MAX_FILE_SIZE): Promise<Checkout> {
    const real = await realpath(resolve(root))
    const s = await stat(real)
    if (!s.isDirectory()) throw new Error(`project root is not a directory: ${root}`)
    return new Checkout(real, maxFileSize)
  }

  private abs(rel: string): string {
    return rel === '.' ? this.root : join(this.root, ...rel.split('/'))
  }

  /** Memoises a derived value per key for the lifetime of this checkout. */
  derive<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined
    if (!p) {
      p = compute()
      this.memo.set(key, p)
    }
    return p
  }

  private listDir(relDir: string): Promise<string[] | undefined> {
    let p = this.dirListings.get(relDir)
    if (!p) {
      p = readdir(this.abs(relDir)).catch(() => undefined)
      this.dirListings.set(relDir, p)
    }
    return p
  }

  /** Rule 4: the real path (every symlink followed, a missing target resolved lexically) must lie inside the root. */
  async realPathInside(rel: string): Promise<boolean> {
    let current = this.root
    const pending = rel === '.' ? [] : rel.split('/')
    let hops = 0
    while (pending.length > 0) {
      const seg = pending.shift()!
      if (seg === '' || seg === '.') continue
      if (seg === '..') {
        current = dirname(current)
        continue
      }
      const next = join(current, seg)
      const info = await this.cachedLstat(next)
      if (!info) {
        current = next
        continue
      }
      if (info.isSymbolicLink()) {
        if (++hops > 40) return false
        const target = await readlink(next)
        const targetParts = target.split(/[/\\]/)
        if (target.startsWith('/')) current = '/'
        pending.unshift(...targetParts)
      } else {
        current = next
      }
    }
    const r = relative(this.root, current)
    return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !r.startsWith('/'))
  }

  private cachedLstat(abs: string) {
    let p = this.lstats.get(abs)
    if (!p) {
      p = lstat(abs).catch(() => undefined)
      this.lstats.set(abs, p)
    }
    return p
  }

  /** Rule 5: every segment must match the directory listing exactly (case included). */
  private async exactCase(rel: string): Promise<boolean> {
    if (rel === '.') return true
    const parts = rel.split('/')
    for (let i = 0; i < parts.length; i++) {
      const listing = await this.listDir(parts.slice(0, i).join('/') || '.')
      if (!listing?.includes(parts[i]!)) return false
    }
    return true
  }

  /**
   * Checks a path param (rules 1–6) without reading it. Returns the normalised path and size, or a problem.
   * `param` names the param in messages only through the path itself, as the contract's wording does.
   */
  async locate(path: string): Promise<{ rel: string; size: number } | ReadProblem> {
    const n = normalizePath(path)
    if (!n.ok) return { problem: 'error', message: n.message }
    const rel = n.rel
    if (!(await this.realPathInside(rel))) {
      return { problem: 'error', message: `symlink resolves outside project root: ${rel}` }
    }
    let info: Awaited<ReturnType<typeof lstat>>
    try {
      info = await lstat(this.abs(rel))
    } catch {
      return { problem: 'fail', message: `file not found: ${rel}` }
    }
    if (!(await this.exactCase(rel))) return { problem: 'fail', message: `file not found: ${rel}` }
    if (info.isSymbolicLink()) {
      try {
        info = await stat(this.abs(rel))
      } catch {
        return { problem: 'fail', message: `not a regular file (dangling symlink): ${rel}` }
      }
    }
    if (!info.isFile()) {
      const what = info.isDirectory() ? 'directory' : 'special file'
      return { problem: 'fail', message: `not a regular file (${what}): ${rel}` }
    }
    return { rel, size: Number(info.size) }
  }

  /** Reads a located file once (size cap applies); later calls return the same bytes. */
  read(rel: string): Promise<FileContent | ReadProblem> {
    let p = this.contents.get(rel)
    if (!p) {
      p = this.readOnce(rel)
      this.contents.set(rel, p)
    }
    return p
  }

  private async readOnce(rel: string): Promise<FileContent | ReadProblem> {
    if (!(await this.realPathInside(rel))) {
      return { problem: 'error', message: `symlink resolves outside project root: ${rel}` }
    }
    const fh = await open(this.abs(rel), 'r').catch(() => undefined)
    if (!fh) return { problem: 'fail', message: `file not found: ${rel}` }
    try {
      const s = await fh.stat()
      if (!s.isFile()) return { problem: 'fail', message: `not a regular file: ${rel}` }
      if (s.size > this.maxFileSize) {
        return { problem: 'error', message: `file too large (${s.size} bytes, cap ${this.maxFileSize}): ${rel}` }
      }
      // Read at most cap + 1 bytes so a file growing during the run cannot bypass the cap.
      const buf = Buffer.alloc(Math.min(Number(s.size) + 1, this.maxFileSize + 1))
      let total = 0
      while (total < buf.length) {
        const { bytesRead } = await fh.read(buf, total, buf.length - total, total)
        if (bytesRead === 0) break
        total += bytesRead
      }
      if (total > this.maxFileSize) {
        return { problem: 'error', message: `file too large (${total}+ bytes, cap ${this.maxFileSize}): ${rel}` }
      }
      const bytes = buf.subarray(0, total)
      return {
        rel,
        size: total,
        bytes,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        binary: isBinary(bytes),
      }
    } finally {
      await fh.close()
    }
  }

  /** Reads a file as text; binary files are a problem (`binary file where text is needed`). */
  async readText(rel: string): Promise<TextFile | ReadProblem> {
    const c = await this.read(rel)
    if (isProblem(c)) return c
    if (c.binary) return { problem: 'error', message: `binary file where text is needed: ${rel}` }
    return this.decoded(c)
  }

  /** The decoded view of text content, computed once per file. */
  decoded(c: FileContent): TextFile {
    const cached = decodedCache.get(c)
    if (cached) return cached
    const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(c.bytes)
    const t: TextFile = { ...c, text, index: new TextIndex(text) }
    decodedCache.set(c, t)
    return t
  }

  /** Locates and reads a `file` param as text in one step. */
  async openText(path: string): Promise<TextFile | ReadProblem> {
    const loc = await this.locate(path)
    if (isProblem(loc)) return loc
    return this.readText(loc.rel)
  }

  /** Streams a located file through a hash with no size cap (file_hash, file_exists). */
  hashStream(rel: string, algorithm: string): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const h = createHash(algorithm)
      createReadStream(this.abs(rel))
        .on('data', (d) => h.update(d))
        .on('error', reject)
        .on('end', () => resolvePromise(h.digest('hex')))
    })
  }

  /** Selects regular files by a glob (§2.2), sorted by UTF-8 byte order. */
  async glob(pattern: string): Promise<GlobSelection> {
    const n = normalizePath(pattern, { allowBackslash: true })
    if (!n.ok) return { problem: 'error', message: n.message }
    let compiled: ReturnType<typeof compileGlob>
    try {
      compiled = compileGlob(n.rel)
    } catch (e) {
      return { problem: 'error', message: `invalid glob '${pattern}': ${(e as Error).message}` }
    }
    const start = compiled.literalPrefix
    const files: string[] = []
    // A fully literal glob names one path; otherwise walk from the literal prefix directory.
    const walkFrom = start.length === n.rel.split('/').length ? start.slice(0, -1) : start
    const startRel = walkFrom.join('/')
    // Symlinked directories are not descended, also when the glob names them literally.
    for (let i = 1; i <= walkFrom.length; i++) {
      if ((await this.cachedLstat(this.abs(walkFrom.slice(0, i).join('/'))))?.isSymbolicLink()) return { files }
    }
    await this.walk(startRel, compiled.regex, files, compiled.literalPrefix.join('/'))
    files.sort(compareUtf8)
    const bad = files.find(isUnreportablePath)
    if (bad) {
      return {
        problem: 'error',
        message: `glob selected a path with a control character or backslash: ${JSON.stringify(bad)}`,
      }
    }
    return { files }
  }

  private async walk(dirRel: string, regex: RegExp, out: string[], literal: string): Promise<void> {
    const entries = await this.listDirents(dirRel)
    for (const ent of entries) {
      const rel = dirRel ? `${dirRel}/${ent.name}` : ent.name
      const named = literal !== '' && (literal === rel || literal.startsWith(`${rel}/`))
      if (ent.isDirectory()) {
        if (!named && (EXCLUDED_DIRS.has(ent.name) || (await this.gitignore.ignored(rel, true, literal)))) continue
        await this.walk(rel, regex, out, literal)
      } else if (ent.isFile() || ent.isSymbolicLink()) {
        if (!regex.test(rel)) continue
        if (!named && (await this.gitignore.ignored(rel, false, literal))) continue
        if (ent.isSymbolicLink()) {
          const target = await stat(this.abs(rel)).catch(() => undefined)
          if (!target?.isFile()) continue
        }
        out.push(rel)
      }
    }
  }

  private async listDirents(dirRel: string) {
    try {
      return await readdir(this.abs(dirRel || '.'), { withFileTypes: true })
    } catch {
      return []
    }
  }
}

const decodedCache = new WeakMap<FileContent, TextFile>()
let nextCheckoutId = 1

function isBinary(bytes: Buffer): boolean {
  const head = bytes.subarray(0, BINARY_SNIFF)
  if (head.includes(0)) return true
  // UTF-16 and UTF-32 byte-order marks
  return (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)
}

export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
