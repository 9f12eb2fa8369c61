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
import { ensureWebBuild, HAS_CHROMIUM, launchChromium, openPage, signIn as signInAs, text } from './browser.js'

const REPO = 'acme/payments-api'
const COMMIT = '4f2d0c8e9b7a6d5c4b3a29180706f5e4d3c2b1a0'
const NEXT_COMMIT = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b'
const TEMPLATE = 'https://github.com/{repo}/blob/{commit}/{path}#L{start}-L{end}'
const CONTROL = {
  id: 'CTRL-01',
  title: 'Authenticate every payments route',
  description: 'Every route under /v1/payments passes through the JWT middleware before any handler runs.',
  objective_ids: [],
  intents: ['authentication'],
}
const LOCATIONS = [
  { path: 'auth/middleware.py', start_line: 41, end_line: 77 },
  { path: 'auth/session store#v2.py', start_line: 12, end_line: 30 },
]
/** The author may judge (role reviewer), so the refusal the page shows is separation of duties, not the role. */
const AUTHOR = { email: 'alice@example.com', display_name: 'Alice', password: 'author passphrase 42' }
const REVIEWER = { email: 'rita@example.com', display_name: 'Rita', password: 'reviewer passphrase 42' }

/** The Tier 2 human review (PLATFORM.md §5.16) driven through the built UI in Debian's Chromium. */
describe.skipIf(!HAS_CHROMIUM)('Tier 2 review in the browser', () => {
  let backend: Backend
  let running: Running
  let owner: Client
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let cspViolations: string[]
  let modelId: string
  let assertionId: string
  let assertionDigest: string
  let verifier: Client
  let reviewerId: string
  let prompt: string
  let reviewUrl: string

  /** CI: Tier 1 passes at `commit`, Tier 2 is skipped (no provider), so a person must judge it. */
  async function ciRun(runId: string, commit: string) {
    const run = await verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline: { provider: 'local', run_id: runId, commit_sha: commit, repo: REPO },
      verifier: { name: 'warrant', version: '0.1.0' },
      results: [
        {
          assertion_id: assertionId,
          assertion_digest: assertionDigest,
          tier: 1,
          result: 'pass',
          details: "function 'require_auth' defined at auth/middleware.py:41",
          locations: LOCATIONS,
          evidence_digest: `sha256:${commit.slice(0, 32).repeat(2)}`,
        },
        {
          assertion_id: assertionId,
          assertion_digest: assertionDigest,
          tier: 2,
          result: 'skipped',
          details: 'Tier 2 not configured',
          provider: 'none',
        },
      ],
    })
    expect(run.status, JSON.stringify(run.body)).toBe(201)
  }
  const reviews = async () =>
    (await owner.get(`/api/models/${modelId}/assertions/${assertionId}/tier2-reviews`)).body.items
  const control = async () => (await owner.get(`/api/models/${modelId}/controls/${CONTROL.id}`)).body

  beforeAll(async () => {
    await ensureWebBuild()
    backend = await freshBackend('pglite')
    running = await start(backend)
    const setup = await setupOwner(running.url)
    owner = setup.owner
    const ws = setup.workspaceId
    const people: Record<string, string> = {}
    for (const person of [AUTHOR, REVIEWER]) {
      const created = await owner.post('/api/users', person)
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      people[person.email] = created.body.user.id
      expect(
        (await owner.post(`/api/workspaces/${ws}/members`, { email: person.email, role: 'reviewer' })).status,
      ).toBe(201)
    }
    reviewerId = people[REVIEWER.email]!
    const author = new Client(running.url)
    expect((await author.post('/api/auth/login', { email: AUTHOR.email, password: AUTHOR.password })).status).toBe(200)
    modelId = (await author.post('/api/models', { workspace_id: ws, title: 'Payments API', repos: [REPO] })).body.id
    expect((await author.post(`/api/models/${modelId}/controls`, CONTROL)).status).toBe(201)
    const submitted = await author.post(`/api/models/${modelId}/controls/${CONTROL.id}/assertions`, {
      assertions: [
        {
          type: 'function_exists',
          params: { file: 'auth/middleware.py', name: 'require_auth' },
          description: 'The middleware that validates the JWT exists.',
          repo: REPO,
        },
      ],
    })
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201)
    assertionId = submitted.body.assertions[0].id
    const implemented = await author.put(`/api/models/${modelId}/controls/${CONTROL.id}/implementation`, {
      status: 'implemented',
    })
    expect(implemented.status, JSON.stringify(implemented.body)).toBe(200)

    // The owner signs sufficiency off, so the Tier 2 verdict is all the control still waits for.
    const digest = (await owner.get(`/api/models/${modelId}/controls/${CONTROL.id}/sufficiency`)).body
      .assertion_set_digest
    const signOff = await owner.post(`/api/models/${modelId}/controls/${CONTROL.id}/sufficiency/sign-off`, {
      status: 'sufficient',
      details: 'One middleware guards every payments route.',
      assertion_set_digest: digest,
    })
    expect(signOff.status, JSON.stringify(signOff.body)).toBe(201)

    verifier = new Client(running.url, await createKey(owner, ws, 'verifier'))
    const pulled = (await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)).body
      .assertions[0]
    prompt = pulled.tier2_prompt
    assertionDigest = pulled.digest
    await ciRun('1', COMMIT)
    const settings = await owner.patch(`/api/workspaces/${ws}/settings`, { source_link_template: TEMPLATE })
    expect(settings.status, JSON.stringify(settings.body)).toBe(200)
    reviewUrl = `${running.url}/workspaces/${ws}/models/${modelId}/assertions/${assertionId}/tier2-review?repo=${encodeURIComponent(REPO)}`

    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await running?.close()
    await backend?.drop()
  })

  beforeEach(async () => {
    ;({ context, page, problems: cspViolations } = await openPage(browser))
  })

  afterEach(async () => {
    await context?.close()
    expect(cspViolations, 'page errors and CSP violations').toEqual([])
  })

  const signIn = (person: { email: string; password: string }) => signInAs(page, person)

  it('a reviewer signs in, opens the queue item, reads the evidence and records YES', async () => {
    const before = await control()
    expect([before.verification_status, before.status_reasons]).toEqual(['pending', ['tier2_skipped']])

    await page.goto(`${running.url}/`)
    await signIn(REVIEWER)
    await page.getByRole('heading', { name: 'Tier 2 reviews — Acme Security' }).waitFor()
    await page.getByRole('link', { name: `Review ${assertionId}` }).click()

    const shownControl = page.getByRole('region', { name: `Control ${CONTROL.id}: ${CONTROL.title}` })
    expect(await text(shownControl.getByText(CONTROL.description))).toBe(CONTROL.description)
    const shownAssertion = page.getByRole('region', { name: 'Assertion' })
    expect(await text(shownAssertion.getByText('skipped (CI)', { exact: true }))).toBe('skipped (CI)')
    const shownPrompt = page.getByRole('region', { name: 'Tier 2 prompt' }).locator('pre')
    expect(await text(shownPrompt)).toBe(prompt)
    const evidence = page.getByRole('region', { name: 'Tier 1 evidence' })
    expect(await text(evidence.getByText(COMMIT))).toBe(COMMIT)
    const links = evidence.getByRole('list', { name: 'Locations' }).getByRole('link')
    expect(await links.count()).toBe(2)
    expect(await links.nth(0).textContent()).toBe('auth/middleware.py:41-77')
    expect(await links.nth(0).getAttribute('href')).toBe(
      `https://github.com/acme/payments-api/blob/${COMMIT}/auth/middleware.py#L41-L77`,
    )
    expect(await links.nth(1).getAttribute('href')).toBe(
      `https://github.com/acme/payments-api/blob/${COMMIT}/auth/session%20store%23v2.py#L12-L30`,
    )

    await page.getByRole('radio', { name: 'YES', exact: true }).check()
    await page.getByLabel(/^Rationale/).fill('require_auth rejects unsigned and expired tokens before any handler.')
    await page.getByRole('button', { name: 'Record verdict' }).click()
    const recorded = await text(page.getByRole('status'))
    const [review] = await reviews()
    expect(recorded).toBe(
      `Recorded YES as review ${review.id} at commit ${COMMIT}. Control ${CONTROL.id} is now verified.`,
    )
    expect(review).toMatchObject({
      verdict: 'pass',
      reviewer: reviewerId,
      repo: REPO,
      commit_sha: COMMIT,
      rationale: 'require_auth rejects unsigned and expired tokens before any handler.',
    })
    const after = await control()
    expect([after.verification_status, after.status_reasons]).toEqual(['verified', []])
  })

  it("refuses the assertion's author with separation of duties, shown on the page", async () => {
    const count = (await reviews()).length
    await page.goto(reviewUrl)
    await signIn(AUTHOR)
    await page.getByRole('radio', { name: 'NO', exact: true }).check()
    await page.getByLabel(/^Rationale/).fill('I wrote this assertion and I think the code is fine.')
    await page.getByRole('button', { name: 'Record verdict' }).click()
    expect(await text(page.getByRole('alert'))).toBe(
      '403 separation_of_duties you created this assertion; another reviewer must judge it',
    )
    expect((await reviews()).length).toBe(count)
  })

  it('shows the validation error of a rationale that is too short and records nothing', async () => {
    const count = (await reviews()).length
    await page.goto(reviewUrl)
    await signIn(REVIEWER)
    await page.getByRole('radio', { name: 'YES', exact: true }).check()
    await page.getByLabel(/^Rationale/).fill('looks ok')
    await page.getByRole('button', { name: 'Record verdict' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.locator('code').first().textContent()).toBe('422 validation_failed')
    expect(await alert.getByRole('listitem').allTextContents()).toEqual([
      '/rationale rationale needs at least 20 bytes',
    ])
    expect((await reviews()).length).toBe(count)
  })

  it('refuses a verdict on evidence CI replaced meanwhile with 409 anchor_not_current, and reloads the new commit', async () => {
    const count = (await reviews()).length
    await page.goto(reviewUrl)
    await signIn(REVIEWER)
    await page.getByRole('radio', { name: 'NO', exact: true }).check()
    await page.getByLabel(/^Rationale/).fill('The middleware is bypassed for the refunds route.')
    await ciRun('2', NEXT_COMMIT)
    await page.getByRole('button', { name: 'Record verdict' }).click()
    expect(await text(page.getByRole('alert'))).toBe(
      '409 anchor_not_current the Tier 1 result you reviewed is no longer the current passing one; reload and review again',
    )
    await page.getByRole('button', { name: 'Reload the evidence' }).click()
    const evidence = page.getByRole('region', { name: 'Tier 1 evidence' })
    expect(await text(evidence.getByText(NEXT_COMMIT))).toBe(NEXT_COMMIT)
    expect(await evidence.getByRole('link').first().getAttribute('href')).toBe(
      `https://github.com/acme/payments-api/blob/${NEXT_COMMIT}/auth/middleware.py#L41-L77`,
    )
    expect((await reviews()).length).toBe(count)
  })
})
