import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { migrate } from './migrations.js'
import { PGliteDialect } from './pglite-dialect.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>

export interface Store {
  db: Db
  kind: 'pglite' | 'postgres'
  close(): Promise<void>
}

/** Opens PostgreSQL at `databaseUrl`, else the embedded PGlite database under `dataDir/pgdata`, and migrates it. */
export async function openStore(opts: { dataDir: string; databaseUrl?: string | undefined }): Promise<Store> {
  let db: Db
  let kind: Store['kind']
  if (opts.databaseUrl) {
    const types = {
      getTypeParser: (oid: number, format?: unknown) =>
        // count(*) and other int8 values arrive as numbers; ids and times are text anyway.
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
    }
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10, types })
    // An idle connection the server closes (restart, failover, a dropped database) must not crash the process: the
    // pool discards it and the next query opens a new one.
    pool.on('error', () => undefined)
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    kind = 'postgres'
  } else {
    const dir = join(opts.dataDir, 'pgdata')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const pglite = await PGlite.create(dir)
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
    kind = 'pglite'
  }
  try {
    await migrate(db as unknown as Kysely<unknown>)
  } catch (e) {
    await db.destroy()
    throw e
  }
  return { db, kind, close: () => db.destroy() }
}

/** An in-memory PGlite store for tests and benchmarks. */
export async function openMemoryStore(): Promise<Store> {
  const pglite = await PGlite.create()
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  await migrate(db as unknown as Kysely<unknown>)
  return { db, kind: 'pglite', close: () => db.destroy() }
}

/** Serialises a value for a jsonb column (explicitly, so arrays are never sent as PostgreSQL arrays). */
export const json = (value: unknown): string => JSON.stringify(value)

/** Serialises writes to one model across connections for the rest of the transaction (§4.13). */
export async function lockModel(trx: Db, modelId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${modelId}, 0))`.execute(trx)
}
