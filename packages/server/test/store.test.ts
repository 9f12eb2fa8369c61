import { describe, expect, it } from 'vitest'
import { SCHEMA_VERSION } from '../src/db/migrations.js'
import { json, openMemoryStore } from '../src/db/open.js'

describe('store', () => {
  it('migrates a fresh database and round-trips jsonb arrays', async () => {
    const store = await openMemoryStore()
    try {
      const versions = await store.db.selectFrom('schema_migrations').select('version').execute()
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1))
      await store.db
        .insertInto('workspaces')
        .values({
          id: 'ws_1',
          name: 'A',
          slug: 'ab',
          created_at: 't',
          settings: json({ list: [1, 2] }),
          security: json({}),
        })
        .execute()
      const row = await store.db.selectFrom('workspaces').selectAll().executeTakeFirstOrThrow()
      expect(row.settings).toEqual({ list: [1, 2] })
    } finally {
      await store.close()
    }
  })
})
