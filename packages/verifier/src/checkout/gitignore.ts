import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import ignore, { type Ignore } from 'ignore'

/** git's ignore semantics across nested `.gitignore` files and `.git/info/exclude`: the deepest decision wins. */
export class GitIgnore {
  private readonly rules = new Map<string, Promise<string[]>>()
  private readonly matchers = new Map<string, Ignore | undefined>()

  constructor(private readonly rootAbs: string) {}

  /** The rule lines of one directory's ignore files (the root's `.git/info/exclude` first). */
  private lines(dirRel: string): Promise<string[]> {
    let p = this.rules.get(dirRel)
    if (!p) {
      p = (async () => {
        const base = dirRel === '' ? this.rootAbs : join(this.rootAbs, dirRel)
        const files = [...(dirRel === '' ? [join(base, '.git', 'info', 'exclude')] : []), join(base, '.gitignore')]
        const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')))
        return texts.join('\n').split(/\r?\n/)
      })()
      this.rules.set(dirRel, p)
    }
    return p
  }

  /**
   * The matcher of one directory's rules, without the rules that would ignore one of `exempt` (directories a glob
   * names literally, relative to that directory): those are the user's to name.
   */
  private async matcher(dirRel: string, exempt: string[]): Promise<Ignore | undefined> {
    const key = `${dirRel}\0${exempt.join('\0')}`
    if (this.matchers.has(key)) return this.matchers.get(key)
    let lines = (await this.lines(dirRel)).filter((l) => l.trim() !== '' && !l.startsWith('#'))
    if (exempt.length > 0) {
      lines = lines.filter((line) => {
        if (line.startsWith('!')) return true
        const single = ignore().add(line)
        return !exempt.some((dir) => single.ignores(`${dir}/`))
      })
    }
    const m = lines.length > 0 ? ignore().add(lines) : undefined
    this.matchers.set(key, m)
    return m
  }

  /**
   * Whether a path (a directory when `isDir`) is ignored, given that its parent directories are not. `exempt` is a
   * glob's literal prefix (§2.2): rules that ignore one of its directories do not apply; rules for what lies below it
   * still do.
   */
  async ignored(rel: string, isDir: boolean, exempt = ''): Promise<boolean> {
    const parts = rel.split('/')
    const prefix = exempt && rel.startsWith(`${exempt}/`) ? exempt.split('/') : []
    let decision = false
    for (let depth = 0; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/')
      // the prefix directories below this level, as paths relative to it
      const named = prefix.slice(depth).map((_, k) => prefix.slice(depth, depth + k + 1).join('/'))
      const ig = await this.matcher(dir, named)
      if (!ig) continue
      const r = ig.test(parts.slice(depth).join('/') + (isDir ? '/' : ''))
      if (r.ignored) decision = true
      else if (r.unignored) decision = false
    }
    return decision
  }
}
