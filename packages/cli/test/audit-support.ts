import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, publicKeyPem } from '@warrant/core'
import { cli } from './helpers.js'

/** Shared by the audit suites: run `warrant audit --json` on values written to `dir`, and tamper with a package. */

export function auditor(dir: string) {
  const write = (name: string, value: unknown) => {
    const path = join(dir, name)
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value))
    return path
  }
  const audit = async (pkgValue: unknown, pinsValue: unknown, extra: string[] = []) => {
    const p = write(`pkg-${Math.random().toString(36).slice(2)}.json`, pkgValue)
    const q = write(`pins-${Math.random().toString(36).slice(2)}.json`, pinsValue)
    const r = await cli(dir, ['audit', p, '--pins', q, '--json', ...extra])
    return { ...r, report: r.stdout ? JSON.parse(r.stdout) : null }
  }
  return { write, audit }
}

/** The ids of the checks with this status, sorted and without repeats. */
export const failed = (report: any, status: 'fail' | 'insufficient' = 'fail') =>
  [...new Set(report.checks.filter((c: any) => c.status === status).map((c: any) => c.id))].sort()

/** Tamperings of a package copy, each in place. */
export const tamper = {
  /** The first run's first result, changed inside its submission (R1). */
  changeResult(p: any) {
    const body = JSON.parse(Buffer.from(p.sections.runs[0].submission.body, 'base64').toString('utf8'))
    body.results[0].result = 'fail'
    p.sections.runs[0].submission.body = Buffer.from(JSON.stringify(body)).toString('base64')
  },
  /** The last run, gone (M5). */
  removeRun(p: any) {
    p.sections.runs.pop()
  },
  /** The first instance key replaced by another (K1, M2). */
  swapInstanceKey(p: any) {
    p.sections.keys.instance[0].public_key_pem = publicKeyPem(generateKeyPair('ecdsa-p256').publicKey)
  },
  /** One hash less in the first non-empty inclusion proof (L6). */
  shortenProof(p: any) {
    p.sections.events.chain.find((e: any) => e.hashes.length > 0).hashes.pop()
  },
}
