import { readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import {
  type AuditReport,
  auditPackage,
  CHECK_IDS,
  type CheckResult,
  pinsSkeleton,
  readPackage,
  StopAudit,
} from '../audit/checks.js'
import { artefacts, emitDirProblem, type OpensslCommand, shellPath, writeArtefacts } from '../audit/emit.js'
import { withNetworkGuard } from '../audit/guard.js'
import { PinsError, parsePins } from '../audit/pins.js'
import type { Io } from '../io.js'

const MAX_PACKAGE_BYTES = 256 * 1024 * 1024

export interface AuditOptions {
  pins?: string
  json: boolean
  initPins: boolean
  /** Also list the passed checks in the human output. */
  full?: boolean
  /** Write the artefacts the openssl commands use into this directory (EVIDENCE.md §12.4). */
  emit?: string
}

/** Test seam: called inside the network guard while an audit runs, so a test can prove the guard is in force. */
export const auditHooks: { duringAudit?: () => void | Promise<void> } = {}

class Usage extends Error {}

function readInput(io: Io, path: string, what: string, max?: number): Uint8Array {
  const full = resolve(io.cwd, path)
  try {
    if (max !== undefined && statSync(full).size > max) throw new Usage(`usage: ${what} ${path} exceeds 256 MiB`)
    return new Uint8Array(readFileSync(full))
  } catch (e) {
    if (e instanceof Usage) throw e
    throw new Usage(`usage: cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

/**
 * `warrant audit PACKAGE --pins PINS [--json] [--emit DIR] [--full]` (EVIDENCE.md §12): verifies an audit package fully
 * offline against the auditor's pins. Exit codes: 0 VERIFIED, 1 INVALID, 2 USAGE, 3 INSUFFICIENT (precedence
 * 2 > 1 > 3 > 0). `--emit DIR` writes the openssl artefacts whatever the verdict and leaves the exit code as it is;
 * a DIR that exists and is not empty is refused before anything is read or written.
 */
export async function audit(pkgPath: string | undefined, opts: AuditOptions, io: Io): Promise<number> {
  return withNetworkGuard(async () => {
    await auditHooks.duringAudit?.()
    try {
      if (!pkgPath) throw new Usage('usage: the audit package argument is required')
      if (opts.initPins) {
        if (opts.emit !== undefined) throw new Usage('usage: --emit DIR applies to an audit, not to --init-pins')
        const doc = readPackage(readInput(io, pkgPath, 'package', MAX_PACKAGE_BYTES))
        io.stdout(`${JSON.stringify(pinsSkeleton(doc), null, 2)}\n`)
        return 0
      }
      if (!opts.pins) throw new Usage('usage: --pins PINS is required (create one with --init-pins PACKAGE)')
      const emitDir = opts.emit === undefined ? undefined : resolve(io.cwd, opts.emit)
      const refused = emitDir === undefined ? undefined : emitDirProblem(emitDir)
      if (refused) throw new Usage(`usage: ${refused}`)
      const pkgBytes = readInput(io, pkgPath, 'package', MAX_PACKAGE_BYTES)
      const pinsBytes = readInput(io, opts.pins, 'pins file')
      // Sigstore verification is the platform's own (EVIDENCE.md §6.4), loaded only when an audit runs.
      const tools = await import('@warrant/server')
      const pins = parsePins(pinsBytes, dirname(resolve(io.cwd, opts.pins)), tools)
      const doc = readPackage(pkgBytes)
      let report: AuditReport
      try {
        report = auditPackage(doc, pins, tools)
      } catch (e) {
        // A structure no check anticipated is the package's fault, never a crash of the auditor.
        report = stopped(new StopAudit('P4', 1, `not a Warrant audit package: ${(e as Error).message}`))
      }
      // The commands name DIR as the auditor typed it, or by the placeholder `DIR` without --emit.
      const plan = artefacts(doc, pins, opts.emit === undefined ? 'DIR' : shellPath(opts.emit))
      if (emitDir !== undefined) {
        try {
          writeArtefacts(emitDir, plan.files)
        } catch (e) {
          throw new Usage(
            `usage: cannot write --emit ${opts.emit}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          )
        }
      }
      print(report, plan.commands, opts, io, pkgPath)
      return report.exit_code
    } catch (e) {
      if (e instanceof Usage || e instanceof PinsError) return usage(e.message, e instanceof PinsError ? 'P2' : 'P1')
      if (e instanceof StopAudit) {
        if (e.exit === 2) return usage(e.message, e.id)
        const report = stopped(e)
        print(report, [], opts, io, pkgPath ?? '')
        return report.exit_code
      }
      throw e
    }
  })

  function usage(message: string, id: string): number {
    io.stderr(`warrant audit: ${message}\n`)
    if (opts.json)
      io.stdout(
        `${JSON.stringify({
          verdict: 'USAGE',
          exit_code: 2,
          checks: [{ id, status: 'fail', message, subject: null }],
          runs: [],
          controls: [],
          openssl: [],
        })}\n`,
      )
    return 2
  }
}

/** The report of an audit that stopped at P3 or P4 (exit 1): every later check is skipped. */
function stopped(e: StopAudit): AuditReport {
  const at = CHECK_IDS.indexOf(e.id as (typeof CHECK_IDS)[number])
  return {
    verdict: 'INVALID',
    exit_code: 1,
    checks: CHECK_IDS.map((id, i) => ({
      id,
      status: i < at ? 'pass' : i === at ? 'fail' : 'skipped',
      message: i === at ? e.message : i < at ? 'passed' : 'the package could not be read',
      subject: null,
    })),
    runs: [],
    controls: [],
    trusted: {
      instance_keys: [],
      log_vkeys: [],
      workspace_keys: null,
      ci_identities: 'not pinned',
      trusted_roots: 'not pinned',
    },
    package: { package_id: null, workspace_id: null, model_id: null, tree_size: null },
  }
}

const short = (s: string | null) => (s ? `${s.slice(0, 12)}…` : '—')

function print(report: AuditReport, commands: OpensslCommand[], opts: AuditOptions, io: Io, pkgPath: string): void {
  if (opts.json) {
    io.stdout(
      `${JSON.stringify({
        verdict: report.verdict,
        exit_code: report.exit_code,
        checks: report.checks,
        runs: report.runs,
        controls: report.controls,
        trusted: report.trusted,
        package: report.package,
        openssl: commands,
      })}\n`,
    )
    return
  }
  const lines: string[] = []
  lines.push(`${report.verdict} (exit ${report.exit_code})`)
  const p = report.package
  lines.push(
    `package ${p.package_id ?? pkgPath} · workspace ${p.workspace_id ?? '?'} · model ${p.model_id ?? '?'} · checkpoint size ${p.tree_size ?? 'unverified'}`,
  )
  lines.push('', 'Trusted')
  for (const k of report.trusted.instance_keys)
    lines.push(
      `  instance key ${k.fingerprint} (${k.how === 'pinned' ? 'pinned' : `introduced by log event ${k.event_index}`})`,
    )
  for (const v of report.trusted.log_vkeys) lines.push(`  log key ${v} (pinned)`)
  lines.push(
    report.trusted.workspace_keys?.length
      ? `  workspace keys ${report.trusted.workspace_keys.join(', ')} (pinned)`
      : '  workspace keys: not pinned',
  )
  lines.push(
    `  CI identities: ${report.trusted.ci_identities === 'not pinned' ? 'not pinned' : `${report.trusted.ci_identities} pinned`} · Sigstore trusted roots: ${report.trusted.trusted_roots === 'not pinned' ? 'not pinned' : report.trusted.trusted_roots.join(', ')}`,
  )
  if (report.runs.length) {
    lines.push('', 'Runs')
    for (const r of report.runs)
      lines.push(
        `  ${r.run_id}  ${r.method}/${r.binding}/${r.identity}${r.key_fingerprint ? ` key ${short(r.key_fingerprint)}` : ''}  commit ${r.commit_sha.slice(0, 12)}${r.repo ? ` (${r.repo})` : ''}  ${r.revoked ? 'revoked' : r.counting ? 'counting' : 'not counting'}  ${r.status !== 'ok' ? 'INVALID' : r.method === 'none' ? 'receipt verified, unattested' : 'receipt and signature verified'}`,
      )
  }
  if (report.controls.length) {
    lines.push('', 'Controls (as the platform states them; V1 recomputes counting, Tier 1 and statuses)')
    for (const c of report.controls)
      lines.push(
        `  ${c.control_id}  ${c.verification_status}${c.status_reasons.length ? ` (${c.status_reasons.join(', ')})` : ''}  ${c.in_scope ? 'in scope' : 'out of scope'}  runs ${c.runs.join(', ') || '—'}  sources ${c.verdict_sources.join(', ') || '—'}`,
      )
  }
  const section = (title: string, list: CheckResult[]) => {
    if (!list.length) return
    lines.push('', title)
    for (const c of list) lines.push(`  [${c.id}] ${c.message}`)
  }
  section(
    'Failed checks',
    report.checks.filter((c) => c.status === 'fail'),
  )
  section(
    'Insufficient',
    report.checks.filter((c) => c.status === 'insufficient'),
  )
  if (opts.full) {
    const passed = report.checks.filter((c) => c.status === 'pass')
    if (passed.length) lines.push('', `Passed: ${passed.map((c) => c.id).join(' ')}`)
  }
  const skipped = report.checks.filter((c) => c.status === 'skipped')
  if (skipped.length) lines.push('', `Skipped: ${skipped.map((c) => c.id).join(' ')}`)
  const notChecked = report.checks.filter((c) => c.status === 'not_checked')
  if (notChecked.length)
    lines.push('', `Not checked (not built in this version): ${notChecked.map((c) => c.id).join(' ')}`)
  lines.push(
    '',
    opts.emit === undefined
      ? 'Reproduce with openssl (DIR: the directory that --emit DIR fills with the files these commands use)'
      : `Reproduce with openssl (the files these commands use are in ${opts.emit})`,
  )
  for (const c of commands) lines.push(`  ${c.purpose}: ${c.command}`)
  io.stdout(`${lines.join('\n')}\n`)
}
