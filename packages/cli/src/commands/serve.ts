import { type Io, UsageError } from '../io.js'

/**
 * `warrant serve`: the platform on the embedded store (or DATABASE_URL), until SIGINT or SIGTERM. With
 * `--rewrap-keys --old-master-key-file F` it re-encrypts the stored keys from the old master key to the configured
 * one and exits without serving, so the operator restarts with the new key alone.
 */
export async function serve(
  opts: { port: number; host: string; data?: string; rewrapKeys?: boolean; oldMasterKeyFile?: string },
  io: Io,
): Promise<number> {
  if (Boolean(opts.rewrapKeys) !== (opts.oldMasterKeyFile !== undefined))
    throw new UsageError('--rewrap-keys and --old-master-key-file go together')
  // Loaded lazily: the verifier commands must not pay for the server's dependencies.
  const { configFromEnv, createServer, defaultLogger, MasterKeyError, rewrapStoredKeys } = await import(
    '@warrant/server'
  )
  const env = io.env ?? process.env
  const config = configFromEnv(env, {
    ...(opts.data ? { dataDir: opts.data } : {}),
    ...(env.WARRANT_PUBLIC_URL ? {} : { publicUrl: `http://${opts.host}:${opts.port}` }),
  })
  if (opts.oldMasterKeyFile !== undefined) {
    try {
      const { rewrapped, masterKeyId } = await rewrapStoredKeys(config, opts.oldMasterKeyFile)
      io.stdout(
        `re-wrapped ${rewrapped} key(s) under master key id ${masterKeyId}; start again without --rewrap-keys\n`,
      )
      return 0
    } catch (e) {
      if (e instanceof MasterKeyError) throw new UsageError(e.message)
      throw e
    }
  }
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
