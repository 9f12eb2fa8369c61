import { type Io, UsageError } from '../io.js'

/** `warrant serve`: the platform on the embedded store (or DATABASE_URL), until SIGINT or SIGTERM. */
export async function serve(opts: { port: number; host: string; data?: string }, io: Io): Promise<number> {
  // Loaded lazily: the verifier commands must not pay for the server's dependencies.
  const { configFromEnv, createServer, defaultLogger, MasterKeyError } = await import('@warrant/server')
  const env = io.env ?? process.env
  const config = configFromEnv(env, {
    ...(opts.data ? { dataDir: opts.data } : {}),
    ...(env.WARRANT_PUBLIC_URL ? {} : { publicUrl: `http://${opts.host}:${opts.port}` }),
  })
  let server: Awaited<ReturnType<typeof createServer>>
  try {
    server = await createServer(config, { logger: defaultLogger() })
  } catch (e) {
    if (e instanceof MasterKeyError) throw new UsageError(e.message)
    throw e
  }
  const address = await server.app.listen({ host: opts.host, port: opts.port })
  io.stdout(
    `warrant platform listening on ${address} (store: ${server.store.kind}${server.store.kind === 'pglite' ? ` in ${config.dataDir}` : ''})\n`,
  )
  io.stderr(`API docs: ${address}/api/docs\n`)
  if (server.setupToken)
    io.stderr(
      `first run: complete setup with POST ${address}/api/setup using the token in ${config.dataDir}/setup-token\n`,
    )
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  io.stderr('shutting down: finishing requests in flight\n')
  await server.close()
  return 0
}
