import { readdir } from 'node:fs/promises'
import { type Checkout, isProblem } from '../checkout/checkout.js'

/** Read-only questions about the project that runner detection asks. */
export class Project {
  private rootListing?: Promise<string[]>

  constructor(private readonly checkout: Checkout) {}

  get root(): string {
    return this.checkout.root
  }

  async has(rel: string): Promise<boolean> {
    return !isProblem(await this.checkout.locate(rel))
  }

  async text(rel: string): Promise<string | undefined> {
    const file = await this.checkout.openText(rel)
    return isProblem(file) ? undefined : file.text
  }

  async json(rel: string): Promise<Record<string, unknown> | undefined> {
    const text = await this.text(rel)
    if (text === undefined) return undefined
    try {
      const v: unknown = JSON.parse(text)
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
    } catch {
      return undefined
    }
  }

  /** Names of the entries of the project root. */
  rootNames(): Promise<string[]> {
    this.rootListing ??= readdir(this.checkout.root).catch(() => [])
    return this.rootListing
  }

  /** Whether a dependency is declared in package.json (any dependency section). */
  async npmDependency(name: string): Promise<boolean> {
    const pkg = await this.json('package.json')
    if (!pkg) return false
    return ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].some((section) => {
      const deps = pkg[section]
      return typeof deps === 'object' && deps !== null && name in deps
    })
  }

  async testScript(): Promise<string | undefined> {
    const scripts = (await this.json('package.json'))?.scripts
    const test = typeof scripts === 'object' && scripts !== null ? (scripts as Record<string, unknown>).test : undefined
    return typeof test === 'string' ? test : undefined
  }
}
