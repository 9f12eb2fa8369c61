import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type Backend,
  Client,
  createKey,
  freshBackend,
  type Running,
  setupOwner,
  start,
} from '../../server/test/helpers.js'
import { ensureWebBuild, HAS_CHROMIUM, launchChromium, openPage, signIn, text } from './browser.js'

const AUDITOR = { email: 'ada@example.com', display_name: 'Ada', password: 'auditor passphrase 42' }
/** A person of the instance who belongs to no workspace. */
const OUTSIDER = { email: 'otto@example.com', display_name: 'Otto', password: 'outsider passphrase 42' }

/** The audit packages page (PLATFORM.md §5.19) driven through the built UI in Debian's Chromium. */
describe.skipIf(!HAS_CHROMIUM)('audit packages in the browser', () => {
  let backend: Backend
  let running: Running
  let owner: Client
  let workspaceId: string
  let modelId: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let problems: string[]

  beforeAll(async () => {
    await ensureWebBuild()
    backend = await freshBackend('pglite')
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    for (const person of [AUDITOR, OUTSIDER]) expect((await owner.post('/api/users', person)).status).toBe(201)
    const member = await owner.post(`/api/workspaces/${workspaceId}/members`, { email: AUDITOR.email, role: 'auditor' })
    expect(member.status, JSON.stringify(member.body)).toBe(201)
    const model = await owner.post('/api/models', { workspace_id: workspaceId, title: 'Payments API' })
    expect(model.status, JSON.stringify(model.body)).toBe(201)
    modelId = model.body.id
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await running?.close()
    await backend?.drop()
  })

  beforeEach(async () => {
    ;({ context, page, problems } = await openPage(browser))
  })

  afterEach(async () => {
    await context?.close()
    expect(problems, 'page errors and CSP violations').toEqual([])
  })

  const packagesUrl = () => `${running.url}/workspaces/${workspaceId}/models/${modelId}/audit-packages`

  it('an auditor requests a package from the models page, waits for it and downloads it', async () => {
    await page.goto(`${running.url}/`)
    await signIn(page, AUDITOR)
    await page.getByRole('link', { name: 'Models and audit packages' }).click()
    await page.getByRole('link', { name: 'Audit packages of Payments API' }).click()
    await page.getByRole('heading', { name: 'Audit packages — Payments API' }).waitFor()
    expect(await text(page.getByText('No audit package was requested yet.'))).toBe(
      'No audit package was requested yet.',
    )

    await page.getByLabel(/^Repositories/).fill('Acme/Payments-API, acme/payments-api')
    await page.getByRole('button', { name: 'Request export' }).click()
    const link = page.getByRole('link', { name: /^Download exp_/ })
    await link.waitFor()
    const [record] = (await owner.get(`/api/models/${modelId}/audit-packages`)).body.items
    expect(record).toMatchObject({ state: 'ready', params: { repos: ['acme/payments-api'] } })
    expect(await link.textContent()).toBe(`Download ${record.id}`)
    const row = page.getByRole('table', { name: 'Audit packages' }).getByRole('row').nth(1)
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('acme/payments-api')
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('ready')

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(download.suggestedFilename()).toBe(`${record.id}.warrant-audit.json`)
    const pkg = JSON.parse(readFileSync((await download.path())!, 'utf8'))
    expect(pkg.format).toBe('warrant.audit-package/v1')
    const manifest = JSON.parse(Buffer.from(pkg.manifest.payload, 'base64').toString('utf8'))
    expect(manifest).toMatchObject({ package_id: record.id, workspace_id: workspaceId, model_id: modelId })
  })

  it('shows a refused request with its code and message', async () => {
    await page.goto(packagesUrl())
    await signIn(page, AUDITOR)
    await page.getByLabel(/^From/).fill('2026-03-01')
    await page.getByLabel(/^To/).fill('2026-02-01')
    await page.getByRole('button', { name: 'Request export' }).click()
    expect(await text(page.getByRole('alert'))).toBe('422 validation_failed from must not be after to')
  })

  it('refuses a person outside the workspace on the page, and API keys on the API', async () => {
    const before = (await owner.get(`/api/models/${modelId}/audit-packages`)).body.items.length
    await page.goto(packagesUrl())
    await signIn(page, OUTSIDER)
    expect(await text(page.getByRole('alert'))).toBe('404 not_found model not found')
    const key = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    const byKey = await key.post(`/api/models/${modelId}/audit-packages`, {})
    expect([byKey.status, byKey.body.error.code]).toEqual([403, 'person_required'])
    expect((await owner.get(`/api/models/${modelId}/audit-packages`)).body.items.length).toBe(before)
  })
})
