import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Result } from '@warrant/core'
import { Checkout, DEFAULT_OPTIONS, evaluateWith } from '@warrant/verifier'
import { type Attestation, attestBody, type Body, chooseAttestation, SigningError } from '../attest.js'
import { type Io, UsageError } from '../io.js'
import type { OutputFormat } from '../output/index.js'
import { detectPipeline } from '../pipeline.js'
import { PlatformClient, PlatformError } from '../platform-client.js'
import { progressLine } from '../progress.js'
import { report } from '../run/report.js'
import { parseChangedFiles, touches } from '../run/scope.js'
import { type Tier2Config, tier2Results } from '../run/tier2.js'
import type { ModelRun, PendingAssertion, Submitted } from '../run/types.js'
import { VERSION } from '../version.js'
import { exitCodeFor } from './run-checks.js'

export interface RunOptions {
  /** One model id, or `all` for every model the key can see. */
  models: { id: string } | 'all'
  url?: string
  projectRoot?: string
  repo?: string
  dryRun: boolean
  /** `--no-reverify` sets false: pull only what the platform lists as pending (PLATFORM.md §5.14). */
  reverify: boolean
  signingKey?: string
  /** `--oidc-token-env VAR`: also send the raw CI token from VAR as `X-CI-Attestation` (EVIDENCE.md §6.7). */
  oidcTokenEnv?: string
  /** `--require-attestation`: fail (exit 2) rather than submit unattested results. */
  requireAttestation?: boolean
  output: OutputFormat
  testExecution: boolean
  tier2: Tier2Config | null
  concurrency: number
  /** The `--changed-files` argument (a file, or `-` for standard input). */
  changedFiles?: string
}

const MAX_DETAILS = 2048
const cut = (s: string) =>
  Buffer.byteLength(s) <= MAX_DETAILS
    ? s
    : Buffer.from(s)
        .subarray(0, MAX_DETAILS - 3)
        .toString()
        .replace(/\uFFFD$/, '') + '...'

/** Maps a verifier result onto a results-submission item (EVIDENCE.md §4). */
function resultItem(a: PendingAssertion, r: Result, durationMs: number) {
  return {
    assertion_id: a.id,
    assertion_digest: a.digest,
    tier: 1,
    result: r.status,
    details: cut(r.details),
    locations: r.locations
      .slice(0, 20)
      .map((l) => ({ path: l.file, start_line: l.line, end_line: Math.max(l.line, l.end_line ?? l.line) })),
    ...(r.evidence_digest ? { evidence_digest: r.evidence_digest } : {}),
    duration_ms: durationMs,
  }
}

const SIGNED_BY: Record<Attestation['signer']['method'], string> = {
  workspace_bundle: 'signed with the workspace key',
  sigstore: 'signed keylessly with Sigstore',
  none: 'unsigned',
}

/** A submission the platform refused or never answered: nothing of that model's run was recorded. */
class NotRecorded extends Error {
  constructor(
    readonly modelId: string,
    readonly refused: PlatformError,
  ) {
    super(refused.message)
  }
}

/**
 * `warrant run MODEL` / `warrant run --all`: pulls the assertions of each model for this repo, verifies Tier 1 on the
 * checkout, keeps those touching `--changed-files` when given, asks Tier 2, and submits one run per model, attested as
 * EVIDENCE.md §6.1 "CLI side" says (workspace key, else keyless Sigstore when the CI offers a token; the raw token
 * only when asked). A developer key runs everything and submits nothing.
 */
export async function run(opts: RunOptions, io: Io): Promise<number> {
  const client = PlatformClient.fromEnv(io, opts.url)
  const root = resolve(io.cwd, opts.projectRoot ?? '.')
  let checkout: Checkout
  try {
    checkout = await Checkout.open(root, DEFAULT_OPTIONS.maxFileSize)
  } catch {
    throw new UsageError(`project root is not a directory: ${opts.projectRoot ?? '.'}`)
  }
  let pipeline: ReturnType<typeof detectPipeline>
  try {
    pipeline = detectPipeline(io.env ?? process.env, root, opts.repo)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const attestation = chooseAttestation(opts, io)
  const changed = opts.changedFiles === undefined ? undefined : await changedFiles(opts.changedFiles, io)
  const done: ModelRun[] = []
  const context: ModelContext = { opts, io, client, checkout, root, pipeline, attestation, changed }
  try {
    const ids = opts.models === 'all' ? await allModels(client) : [opts.models.id]
    for (const id of ids) done.push(await runModel(id, context))
  } catch (e) {
    if (e instanceof NotRecorded) {
      io.stderr(`warrant: ${e.refused.code}: ${e.refused.message}\n`)
      io.stderr(
        `warrant: the run of ${e.modelId} was not recorded: the platform answered ${e.refused.status || 'nothing'} to its only submission, so nothing of it was submitted; re-run to submit\n`,
      )
    } else if (e instanceof PlatformError || e instanceof SigningError) {
      io.stderr(`warrant: ${e.code}: ${e.message}\n`)
      const more = done.some((m) => m.submitted) ? 'more ' : ''
      io.stderr(`warrant: the run stopped before submitting: nothing ${more}was submitted\n`)
    } else throw e
    for (const m of done) io.stderr(`warrant: ${m.model_id}: ${m.note}\n`)
    return 3
  }
  report(done, opts, pipeline, changed, io)
  return done.some((m) => m.failing.length > 0) ? 1 : 0
}

interface ModelContext {
  opts: RunOptions
  io: Io
  client: PlatformClient
  checkout: Checkout
  root: string
  pipeline: ReturnType<typeof detectPipeline>
  attestation: Attestation
  changed: Set<string> | undefined
}

/** One model: pull, Tier 1, selection, Tier 2, and its single submission. */
async function runModel(id: string, ctx: ModelContext): Promise<ModelRun> {
  const { opts, io, client, checkout, root, pipeline, attestation, changed } = ctx
  const since = (t: number) => Math.round(performance.now() - t)
  let phase = performance.now()
  const model = await client.get<{ id: string; workspace_id: string }>(`/api/models/${encodeURIComponent(id)}`)
  const pulled = await pull(client, model.id, pipeline.repo ?? '', opts.reverify)
  const pullMs = since(phase)
  phase = performance.now()
  const progress = progressLine(io, 'warrant: verifying')
  const started = Date.now()
  const all = await evaluateWith(
    pulled.assertions.map((a) => ({ id: a.id, type: a.type, params: a.params })),
    { checkout, options: { ...DEFAULT_OPTIONS, testExecution: opts.testExecution } },
    (d, t) => progress.update(d, t),
  )
  progress.end()
  const perItem = pulled.assertions.length ? Math.round((Date.now() - started) / pulled.assertions.length) : 0
  const keep = pulled.assertions.map((a, i) => !changed || touches(a, all[i]!, changed))
  const assertions = pulled.assertions.filter((_, i) => keep[i])
  const evaluated = all.filter((_, i) => keep[i])
  const tier1Ms = since(phase)
  phase = performance.now()
  const tier2 = await tier2Results(assertions, evaluated, checkout, opts.tier2, {
    concurrency: opts.concurrency,
    env: io.env ?? process.env,
    root,
  })
  const tier2Ms = since(phase)
  const results = [...assertions.map((a, i) => resultItem(a, evaluated[i]!, perItem)), ...tier2.items].sort((x, y) =>
    x.assertion_id < y.assertion_id ? -1 : x.assertion_id > y.assertion_id ? 1 : x.tier - y.tier,
  )
  const failing = [
    ...assertions.flatMap((a, i) => {
      const r = evaluated[i]!
      // Like `warrant check`: a skip is acceptable only for a type this verifier knows (test execution disabled).
      if (exitCodeFor([r]) === 0) return []
      const where = r.locations[0] ? ` ${r.locations[0].file}:${r.locations[0].line}` : ''
      return [`${r.status.toUpperCase()} ${a.control.id} ${a.id} ${a.type}${where}: ${r.details}`]
    }),
    ...tier2.failing,
  ]
  const body: Body = { pipeline: { ...pipeline }, verifier: { name: 'warrant', version: VERSION }, results }
  let submitted: Submitted | null = null
  let submitMs = 0
  let note: string
  if (pulled.assertions.length === 0) note = 'no assertion applies to this repo; nothing to submit'
  else if (assertions.length === 0) note = `no assertion touches the ${changed!.size} changed files; nothing to submit`
  else if (opts.dryRun) note = 'dry run: nothing submitted'
  else if (client.keyScope !== 'verifier')
    note = 'developer key (wk_): results verified locally and not submitted; CI submits with a verifier key (wv_)'
  else {
    phase = performance.now()
    // Signed only when it is submitted: a keyless signature is a public log entry.
    const signed = await attestBody(body, attestation.signer, model.workspace_id, model.id, new Date())
    try {
      submitted = await client.post<Submitted>(
        `/api/models/${encodeURIComponent(model.id)}/verification/results`,
        signed.body,
        { 'Idempotency-Key': randomUUID(), ...attestation.headers },
      )
    } catch (e) {
      throw e instanceof PlatformError ? new NotRecorded(model.id, e) : e
    }
    submitMs = since(phase)
    note = `submitted as ${submitted.run_id} (${SIGNED_BY[attestation.signer.method]}${
      attestation.headers['x-ci-attestation'] ? ", with the CI's OIDC token" : ''
    })`
  }
  const counts = { pass: 0, fail: 0, error: 0, skipped: 0 }
  for (const r of evaluated) counts[r.status]++
  const rendered = assertions.flatMap((a, i) => [{ ...evaluated[i]!, control: a.control.id }, tier2.rendered[i]!])
  return {
    model_id: model.id,
    pulled: pulled.assertions.length,
    assertions,
    counts,
    tier2: { asked: tier2.asked, cached: tier2.cached, precheck: tier2.precheck, usage: tier2.usage },
    failing,
    rendered,
    submitted,
    note,
    timings: { pull_ms: pullMs, tier1_ms: tier1Ms, tier2_ms: tier2Ms, submit_ms: submitMs },
  }
}

/**
 * The model's assertions for this repo: all of them (re-verification, the default), or the union of the platform's
 * two pending lists — Tier 1 not passing or stale, and Tier 1 passing with Tier 2 still to judge — in the order the
 * platform gives them.
 */
async function pull(client: PlatformClient, modelId: string, repo: string, reverify: boolean) {
  const base = `/api/models/${encodeURIComponent(modelId)}/verification`
  const query = `repo=${encodeURIComponent(repo)}`
  if (reverify) return client.get<{ assertions: PendingAssertion[] }>(`${base}/assertions?${query}`)
  const lists = await Promise.all(
    ['1', '2'].map((tier) => client.get<{ assertions: PendingAssertion[] }>(`${base}/pending?tier=${tier}&${query}`)),
  )
  const seen = new Set<string>()
  return { assertions: lists.flatMap((l) => l.assertions).filter((a) => !seen.has(a.id) && seen.add(a.id)) }
}

/** Every model the key can read, following the list's cursor (PLATFORM.md §5.7). */
async function allModels(client: PlatformClient): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const page: { items: { id: string }[]; next_cursor: string | null } = await client.get(
      `/api/models?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    ids.push(...page.items.map((m) => m.id))
    cursor = page.next_cursor
  } while (cursor)
  // Fail closed: a CI job whose key sees nothing must not pass for having verified nothing.
  if (ids.length === 0) throw new UsageError('--all: this key can see no model; nothing was verified', 'no_models')
  return ids
}

async function changedFiles(arg: string, io: Io): Promise<Set<string>> {
  let text: string
  try {
    text = arg === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, arg), 'utf8')
  } catch (e) {
    throw new UsageError(
      `--changed-files: cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'changed_files_unreadable',
    )
  }
  return parseChangedFiles(text, arg === '-' ? '<stdin>' : arg)
}
