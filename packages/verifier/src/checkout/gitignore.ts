import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import ignore, { type Ignore } from 'ignore'

/** git's ignore semantics across nested `.gitignore` files and `.git/info/exclude`: the deepest decision wins. */
export class GitIgnore {
  private readonly perDir = new Map<string, Promise<Ignore | undefined>>()

  constructor(private readonly rootAbs: string) {}

  private load(dirRel: string): Promise<Ignore | undefined> {
    let p = this.perDir.get(dirRel)
    if (!p) {
      p = (async () => {
        const sources: string[] = []
        const base = dirRel === '' ? this.rootAbs : join(this.rootAbs, dirRel)
        if (dirRel === '') {
          const exclude = await readFile(join(base, '.git', 'info', 'exclude'), 'utf8').catch(() => undefined)
          if (exclude) sources.push(exclude)
        }
        const gi = await readFile(join(base, '.gitignore'), 'utf8').catch(() => undefined)
        if (gi) sources.push(gi)
        if (sources.length === 0) return undefined
        return ignore().add(sources.join('\n'))
      })()
      this.perDir.set(dirRel, p)
    }
    return p
  }

  /**
   * Whether a path (a directory when `isDir`) is ignored, given that its parent directories are not. Directories of
   * `exempt` (a glob's literal prefix, §2.2) are named by the user: rules never see their names, so a rule that
   * ignores them does not hide what lies below.
   */
  async ignored(rel: string, isDir: boolean, exempt = ''): Promise<boolean> {
    const parts = rel.split('/')
    const exemptDepth = exempt && rel.startsWith(`${exempt}/`) ? exempt.split('/').length : 0
    let decision = false
    for (let depth = 0; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/')
      const ig = await this.load(dir)
      if (!ig) continue
      const sub = parts
        .slice(depth)
        .map((seg, k) => (depth + k < exemptDepth ? `__warrant_literal_${depth + k}__` : seg))
        .join('/')
      const r = ig.test(sub + (isDir ? '/' : ''))
      if (r.ignored) decision = true
      else if (r.unignored) decision = false
    }
    return decision
  }
}
