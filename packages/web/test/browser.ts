import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core'
import { build } from 'vite'
import { WEB_DIST } from '../../server/src/http/web.js'

/** Shared by the browser suites: Debian's Chromium through playwright-core, on the built UI. */

export const CHROMIUM = '/usr/bin/chromium'
export const HAS_CHROMIUM = existsSync(CHROMIUM)
if (!HAS_CHROMIUM)
  console.warn(`the browser tests of the web UI are skipped: ${CHROMIUM} does not exist (apt-get install chromium)`)

/** Builds `dist/` when it is missing (rebuild by hand after changing `src/`). */
export async function ensureWebBuild(): Promise<void> {
  if (!existsSync(join(WEB_DIST, 'index.html')))
    await build({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), logLevel: 'warn' })
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })

/** A fresh context and page; `problems` collects page errors and Content-Security-Policy violations. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  return { context, page, problems }
}

/** Fills the sign-in form the UI shows to a browser without a session. */
export async function signIn(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(person.email)
  await page.getByLabel('Password').fill(person.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** The text of an element, once it is attached. */
export async function text(selector: Locator): Promise<string | null> {
  await selector.waitFor()
  return selector.textContent()
}
