import type { Dirent } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ReportFile } from './evidence.js'
import type { ReportLocation } from './runners.js'

const SKIPPED_DIRS = new Set(['.git', 'node_modules'])
const MAX_DEPTH = 8
/** File-system timestamps can be coarse; reports a second older than the run still count as written by it. */
const MTIME_SLACK_MS = 1000

/** The reports a finished run left where its runner writes them. */
export async function collectReports(
  location: ReportLocation,
  run: { root: string; stdout: string; startedAt: number },
): Promise<ReportFile[]> {
  switch (location.kind) {
    case 'file': {
      const bytes = await readFile(location.path).catch(() => undefined)
      return bytes ? [{ name: location.path.slice(location.path.lastIndexOf('/') + 1), bytes }] : []
    }
    case 'stdout':
      return run.stdout.trim() === '' ? [] : [{ name: location.name, bytes: Buffer.from(run.stdout, 'utf8') }]
    case 'dir': {
      const found = await walk(location.dir, '', (rel) => rel.endsWith(location.extension))
      return Promise.all(found.map(async (rel) => ({ name: rel, bytes: await readFile(join(location.dir, rel)) })))
    }
    case 'project': {
      const found = await walk(run.root, '', (rel) => location.under.test(rel))
      const fresh: ReportFile[] = []
      for (const rel of found) {
        const abs = join(run.root, rel)
        const info = await stat(abs)
        if (info.mtimeMs >= run.startedAt - MTIME_SLACK_MS) fresh.push({ name: rel, bytes: await readFile(abs) })
      }
      return fresh
    }
  }
}

async function walk(dir: string, rel: string, wanted: (rel: string) => boolean, depth = 0): Promise<string[]> {
  if (depth > MAX_DEPTH) return []
  let entries: Dirent[]
  try {
    entries = await readdir(join(dir, rel), { withFileTypes: true })
  } catch {
    return []
  }
  const out: string[] = []
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) out.push(...(await walk(dir, childRel, wanted, depth + 1)))
    else if (e.isFile() && wanted(childRel)) out.push(childRel)
  }
  return out.sort()
}
