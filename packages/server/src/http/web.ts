import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** The built web UI (`npm run build -w packages/web`): `src/http/` and `dist/http/` both sit three levels below it. */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url))

/** Paths the UI never answers: the API, MCP, discovery and health keep their own routes and 404s. */
const RESERVED = ['/api', '/mcp', '/.well-known', '/healthz', '/readyz']

/** The UI loads only its own scripts and styles and talks only to its own origin. */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/** Vite names everything under assets/ by its content hash, so those files never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

const NOT_BUILT = `The Warrant web UI is not built, so there is nothing to show here; the API at /api keeps working.
Build the UI at the repository root with \`npm run build\` (or only the UI with \`npm run build -w packages/web\`).
`

const reserved = (path: string) => RESERVED.some((p) => path === p || path.startsWith(`${p}/`))

async function fileAt(path: string): Promise<string | null> {
  try {
    return (await stat(path)).isFile() ? path : null
  } catch {
    return null
  }
}

/**
 * Serves the single-page UI from `dir` at `/`: its files with their content types, and index.html for every other
 * path without an extension (the UI's client-side routes). Never answers under the reserved prefixes.
 */
export function registerWeb(app: FastifyInstance, dir = WEB_DIST): void {
  const root = resolve(dir)
  const send = async (reply: FastifyReply, file: string, cache: string) =>
    reply
      .header('Content-Security-Policy', WEB_CSP)
      .header('Cache-Control', cache)
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .send(await readFile(file))

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const rel = (req.params as { '*'?: string })['*'] ?? ''
    if (reserved(`/${rel}`)) return reply.callNotFound()
    const segments = rel.split('/').filter((s) => s !== '')
    if (segments.some((s) => s === '.' || s === '..' || /[\\\0]/.test(s))) return reply.callNotFound()
    const target = resolve(root, ...segments)
    if (target !== root && !target.startsWith(root + sep)) return reply.callNotFound()
    const file = target === root ? null : await fileAt(target)
    if (file) return send(reply, file, segments[0] === 'assets' ? IMMUTABLE : 'no-cache')
    // A missing file (a name with an extension) is a 404; anything else is a client-side route of the UI.
    if (extname(segments.at(-1) ?? '') !== '') return reply.callNotFound()
    const index = await fileAt(resolve(root, 'index.html'))
    if (!index)
      return reply.status(503).type('text/plain; charset=utf-8').header('Cache-Control', 'no-store').send(NOT_BUILT)
    return send(reply, index, 'no-cache')
  }
  app.get('/', { schema: { hide: true } }, handler)
  app.get('/*', { schema: { hide: true } }, handler)
}
