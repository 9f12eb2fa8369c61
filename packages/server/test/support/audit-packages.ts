import type { Client, Reply } from '../helpers.js'

/**
 * Polls an audit package record until the builder settled it (neither `queued` nor `building`), for at most ~30 s;
 * every 100 ms, well inside the read rate limit (600 a minute).
 */
export async function settledPackage(client: Client, id: string): Promise<Reply> {
  for (let i = 0; i < 300; i++) {
    const res = await client.get(`/api/audit-packages/${id}`)
    if (res.status !== 200 || !['queued', 'building'].includes(res.body.state)) return res
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`audit package ${id} never left queued/building`)
}

/**
 * Requests an audit package (PLATFORM.md §5.19; anything but `202` throws), waits for the builder and downloads it:
 * the `202` answer, the settled record and the download, for the caller to assert.
 */
export async function requestPackage(
  client: Client,
  modelId: string,
  body: unknown = {},
): Promise<{ created: Reply; record: Reply; download: Reply }> {
  const created = await client.post(`/api/models/${modelId}/audit-packages`, body)
  if (created.status !== 202) throw new Error(`export refused: ${created.status} ${JSON.stringify(created.body)}`)
  const record = await settledPackage(client, created.body.id)
  const download = await client.get(`/api/audit-packages/${created.body.id}/download`)
  return { created, record, download }
}
