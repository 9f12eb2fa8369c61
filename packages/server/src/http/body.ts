import { Transform } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { parseStrictJsonBytes, StrictJsonError } from '@warrant/core'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact decoded body bytes (after Content-Encoding), kept for digests and the stored submission. */
    rawBody?: Buffer
  }
}

const tooLarge = (limit: number, what: string) =>
  new ApiError(413, 'body_too_large', `the request body ${what} exceeds ${limit} bytes`, { limit })

/** Counts bytes through a stream and fails with 413 past the limit. */
function limitStream(limit: number, what: string): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length
      if (seen > limit) done(tooLarge(limit, what))
      else done(null, chunk)
    },
  })
}

/**
 * Body handling (PLATFORM.md §5.1): a limit on the wire, optional gzip with a limit after decoding, strict JSON
 * (duplicate keys, lone surrogates, fractions rejected) and YAML as text for model imports.
 */
export function registerBodyHandling(app: FastifyInstance, limits: { wire: number; decoded: number }): void {
  app.addHook('preParsing', async (req, _reply, payload) => {
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > limits.wire) throw tooLarge(limits.wire, 'on the wire')
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase()
    const wire = payload.pipe(limitStream(limits.wire, 'on the wire'))
    if (encoding === 'identity') return wire
    if (encoding !== 'gzip')
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Content-Encoding ${encoding} is not accepted; use gzip or none`,
      )
    const gunzip = createGunzip()
    gunzip.on('error', () => undefined)
    const decoded = wire.pipe(gunzip).pipe(limitStream(limits.decoded, 'after gzip decoding'))
    wire.on('error', (e) => decoded.destroy(e))
    gunzip.on('error', () => decoded.destroy(new ApiError(400, 'invalid_json', 'the gzip body could not be decoded')))
    // Fastify compares Content-Length with its body limit; the decoded stream has its own length.
    delete req.headers['content-length']
    return decoded
  })

  app.removeAllContentTypeParsers()
  app.addContentTypeParser(['application/json'], { parseAs: 'buffer' }, (req, body, done) => {
    const bytes = body as Buffer
    req.rawBody = bytes
    // Model imports parse the file themselves, to report errors as import_invalid with line and column (§8.1).
    if ((req.routeOptions.config as { rawBody?: boolean }).rawBody) return done(null, bytes)
    if (bytes.length === 0)
      return done(new ApiError(400, 'invalid_json', 'the request body is empty; send a JSON document'))
    try {
      done(null, parseStrictJsonBytes(bytes))
    } catch (e) {
      if (e instanceof StrictJsonError) {
        const status = e.code === 'validation_failed' ? 422 : 400
        return done(
          new ApiError(status, e.code, `${e.message} (line ${e.line}, column ${e.column})`, {
            line: e.line,
            column: e.column,
          }),
        )
      }
      done(e as Error)
    }
  })
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml'],
    { parseAs: 'buffer' },
    (req, body, done) => {
      const bytes = body as Buffer
      req.rawBody = bytes
      // As for JSON: model imports report a file that is not UTF-8 as import_invalid themselves (§8.1).
      if ((req.routeOptions.config as { rawBody?: boolean }).rawBody) return done(null, bytes)
      try {
        done(null, new TextDecoder('utf-8', { fatal: true }).decode(bytes))
      } catch {
        done(new ApiError(400, 'invalid_json', 'the YAML body is not valid UTF-8'))
      }
    },
  )
}
