import cookie from '@fastify/cookie'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import type { Logger } from 'pino'
import type { AiEvaluations } from '../ai/index.js'
import { cookieName, credentialId, type Principal, resolvePrincipal, StaleSessionError } from '../auth/principal.js'
import { jwtOnlySubmits } from '../auth/workspace-jwt.js'
import type { ServerConfig } from '../config.js'
import type { Store } from '../db/open.js'
import { ApiError } from '../errors.js'
import { newId } from '../ids.js'
import type { AuditPackages } from '../services/audit-package-builds.js'
import type { Evidence } from '../services/evidence.js'
import type { OidcContext } from '../services/oidc/verify-token.js'
import { VERSION } from '../version.js'
import { registerBodyHandling } from './body.js'
import { RequestValidationError, toApiError, zodValidatorCompiler } from './validation.js'
import { registerWeb } from './web.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
  interface FastifyContextConfig {
    /** Rate-limit class of PLATFORM.md §5.1; default: `read` for GET, `write` otherwise, `public` when anonymous. */
    rateClass?: 'results' | 'submit' | 'write' | 'read' | 'public' | 'login'
    rawBody?: boolean
  }
}

export interface AppContext {
  config: ServerConfig
  store: Store
  evidence: Evidence
  /** Raw OIDC token verification (EVIDENCE.md §6.7) and the clock of attestation checks. */
  oidc: OidcContext
  /** AI coherence, sufficiency and refinement evaluations (PLATFORM.md §9.3). */
  ai: AiEvaluations
  /** The background builder of audit packages (PLATFORM.md §5.19). */
  auditPackages: AuditPackages
}

function errorBody(e: ApiError, requestId: string) {
  return {
    error: {
      code: e.code,
      status: e.status,
      message: e.message,
      ...(e.details ? { details: e.details } : {}),
      request_id: requestId,
    },
  }
}

/** Maps every error to the contract's body; unknown errors are 500 `internal_error`, logged with the request id. */
function toApi(err: FastifyError | Error): ApiError | undefined {
  if (err instanceof ApiError) return err
  if (err instanceof RequestValidationError) return toApiError(err)
  const e = err as FastifyError
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'body_too_large', 'the request body is too large')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(415, 'unsupported_media_type', 'send application/json (or YAML for model imports)')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_json', 'the request body is empty; send a JSON document')
    case 'FST_ERR_RATE_LIMITED':
      return new ApiError(429, 'rate_limited', e.message)
  }
  if (e.statusCode === 429) return new ApiError(429, 'rate_limited', e.message)
  if (e.statusCode === 431) return new ApiError(413, 'header_too_large', 'request headers are too large')
  return undefined
}

export async function buildApp(ctx: AppContext, logger: Logger | boolean = false): Promise<FastifyInstance> {
  const { config, store } = ctx
  const app: FastifyInstance = Fastify({
    ...(typeof logger === 'object' ? { loggerInstance: logger } : { logger }),
    genReqId: () => newId('req'),
    bodyLimit: config.maxDecodedBytes,
    requestIdHeader: false,
  }) as unknown as FastifyInstance
  app.setValidatorCompiler(zodValidatorCompiler)
  app.decorateRequest('principal', null as never)

  await app.register(cookie)
  await app.register(helmet, { contentSecurityPolicy: false, global: true })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Warrant platform API', version: VERSION },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'wk_… (developer) or wv_… (verifier) API key' },
          session: { type: 'apiKey', in: 'cookie', name: cookieName(config.publicUrl) },
        },
      },
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true })

  registerBodyHandling(app, { wire: config.maxBodyBytes, decoded: config.maxDecodedBytes })

  const cookieKey = cookieName(config.publicUrl)
  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Request-Id', req.id)
    req.principal = { kind: 'anonymous' }
    try {
      req.principal = await resolvePrincipal(store.db, req, {
        cookie: cookieKey,
        sessionIdleHours: config.sessionIdleHours,
        audience: config.attestationAudience,
        now: ctx.oidc.now,
      })
    } catch (e) {
      if (!(e instanceof StaleSessionError)) throw e
      // An expired session must not lock the browser out of the sign-in route or the UI's own files: the cookie is
      // cleared and those requests go on as anonymous; other routes still say why they refuse.
      reply.clearCookie(cookieKey, { path: '/' })
      const apiRoute = /^\/(api|mcp)(\/|$|\?)/.test(req.url)
      if (apiRoute && req.routeOptions.config.rateClass !== 'login') throw e
    }
    // Anonymous callers may write only to the first-run and login routes (rate class `login`): every other write
    // answers 401 before its body is read, so nobody without a credential gets bodies decoded, parsed or validated.
    if (
      req.principal.kind === 'anonymous' &&
      req.method !== 'GET' &&
      req.method !== 'HEAD' &&
      req.routeOptions.url !== undefined &&
      req.routeOptions.config.rateClass !== 'login'
    )
      throw new ApiError(401, 'unauthenticated', 'this route needs a session or an API key')
    // PLATFORM.md §1.2: a workspace JWT is accepted by the results submission alone, whatever the route.
    if (
      req.principal.kind === 'workspace_jwt' &&
      !(req.method === 'POST' && req.routeOptions.url === '/api/models/:m/verification/results')
    )
      throw jwtOnlySubmits()
    if (req.method !== 'GET' && req.method !== 'HEAD') ctx.evidence.assertWritable()
  })

  // A write may have appended log events: a checkpoint follows within the configured interval (§9.5).
  app.addHook('onResponse', async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') ctx.evidence.scheduleCheckpoint()
  })

  const limits = config.rateLimits
  const classOf = (req: { method: string; principal: Principal; routeOptions: { config: { rateClass?: string } } }) =>
    req.principal.kind === 'anonymous' && req.routeOptions.config.rateClass !== 'login'
      ? 'public'
      : (req.routeOptions.config.rateClass ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write'))
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    enableDraftSpec: true,
    max: (req) => limits[classOf(req) as keyof typeof limits],
    keyGenerator: (req) => `${classOf(req)}:${credentialId(req.principal, req.ip)}`,
    errorResponseBuilder: (_req, context) =>
      new ApiError(
        429,
        'rate_limited',
        `rate limit of ${context.max} requests per minute reached; retry in ${context.after}`,
      ),
  })

  app.setErrorHandler((err, req, reply) => {
    const api = toApi(err as Error)
    if (!api) {
      req.log.error({ err, request_id: req.id }, 'unhandled error')
      return reply
        .status(500)
        .send(errorBody(new ApiError(500, 'internal_error', 'internal error; quote the request id'), req.id))
    }
    if (api.status >= 500) req.log.error({ err, request_id: req.id }, api.message)
    for (const [k, v] of Object.entries(api.headers ?? {})) reply.header(k, v)
    return reply.status(api.status).send(errorBody(api, req.id))
  })
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send(errorBody(new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`), req.id)),
  )
  registerWeb(app)
  return app
}
