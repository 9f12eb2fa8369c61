import type { KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildResultsStatement,
  fingerprint,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  publicKeyPem,
  signEnvelope,
  statementPayload,
  textDigest,
} from '@warrant/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Backend,
  Client,
  createKey,
  freshBackend,
  type Running,
  setupOwner,
  start,
} from '../../server/test/helpers.js'
import { requestPackage } from '../../server/test/support/audit-packages.js'
import { instanceKey, resign, testWitness } from './audit-forge.js'
import { auditor, failed } from './audit-support.js'

const MODEL_YAML = readFileSync(new URL('../../server/test/fixtures/payments.yaml', import.meta.url))
const REPO = 'acme/payments-api'

/**
 * The checks a dishonest platform cannot pass by signing again (EVIDENCE.md §12.2): E1 (records agree with their log
 * events), E2 (every record has its event), L3 (witness cosignatures) and V1 (the verdicts recomputed, including human
 * Tier 2 reviews, coherence, sufficiency and finding statuses). Each forged package is re-signed with the platform's
 * own pinned instance key, so the manifest checks pass and only the check under test fails.
 */
describe('warrant audit: E1, E2, L3 and V1 against a re-signed package', () => {
  let backend: Backend
  let running: Running
  let owner: Client
  let reviewer: Client
  let verifier: Client
  let workspaceId: string
  let modelId: string
  let signer: KeyObject
  let before: any
  let pkg: any
  let pins: any
  let reviewId: string
  let findingId: string
  let remediatedId: string
  let authAssertion: string
  let authPromptHash: string
  const key = generateKeyPair('ecdsa-p256')
  const dir = mkdtempSync(join(tmpdir(), 'warrant-audit-recompute-'))
  const { audit: auditWith } = auditor(dir)
  const audit = (p: unknown, q: unknown = pins) => auditWith(p, q)
  const message = (report: any, id: string) => report.checks.filter((c: any) => c.id === id).map((c: any) => c.message)
  const forged = (p: any, change: (p: any) => void) => {
    const copy = structuredClone(p)
    change(copy)
    resign(copy, signer)
    return copy
  }

  const exportPackage = async (body: unknown = {}) => {
    const { record, download } = await requestPackage(owner, modelId, body)
    expect(record.body.state, JSON.stringify(record.body)).toBe('ready')
    return download.body
  }

  beforeAll(async () => {
    backend = await freshBackend('pglite')
    running = await start(backend)
    ;({ owner, workspaceId } = await setupOwner(running.url))
    const developer = new Client(running.url, await createKey(owner, workspaceId, 'developer'))
    verifier = new Client(running.url, await createKey(owner, workspaceId, 'verifier'))
    await owner.post(`/api/workspaces/${workspaceId}/signing-keys`, {
      public_key_pem: publicKeyPem(key.publicKey),
      label: 'CI',
    })
    const imported = await developer.post('/api/models/import', MODEL_YAML, { 'content-type': 'application/yaml' })
    modelId = imported.body.model.id
    for (const c of ['CTRL-01', 'CTRL-02'])
      await developer.put(`/api/models/${modelId}/controls/${c}/implementation`, { status: 'implemented' })
    await owner.post('/api/users', {
      email: 'rita@example.com',
      display_name: 'Rita',
      password: 'reviewer passphrase 42',
    })
    await owner.post(`/api/workspaces/${workspaceId}/members`, { email: 'rita@example.com', role: 'reviewer' })
    reviewer = new Client(running.url)
    await reviewer.post('/api/auth/login', { email: 'rita@example.com', password: 'reviewer passphrase 42' })
    for (const c of ['CTRL-01', 'CTRL-02']) {
      const s = await reviewer.get(`/api/models/${modelId}/controls/${c}/sufficiency`)
      await reviewer.post(`/api/models/${modelId}/controls/${c}/sufficiency/sign-off`, {
        status: 'sufficient',
        details: 'The assertions cover the control.',
        assertion_set_digest: s.body.assertion_set_digest,
      })
    }

    // One run: every Tier 1 passes; the CI skips Tier 2 for CTRL-01's assertion and passes it for CTRL-02's.
    const pulled = await verifier.get(`/api/models/${modelId}/verification/assertions?repo=${REPO}`)
    const assertions = pulled.body.assertions
    const auth = assertions.find((a: any) => a.control_id === 'CTRL-01')
    authAssertion = auth.id
    authPromptHash = auth.tier2_prompt_hash
    const results = assertions.flatMap((a: any) => {
      // CTRL-01's result has no evidence digest: its review stays current only through its anchor's result id.
      const base = {
        assertion_id: a.id,
        assertion_digest: a.digest,
        ...(a.id === authAssertion ? {} : { evidence_digest: `sha256:${'1'.repeat(64)}` }),
      }
      const tier2 =
        a.id === authAssertion
          ? { ...base, tier: 2, result: 'skipped', details: 'no AI provider', provider: 'none' }
          : {
              ...base,
              tier: 2,
              result: 'pass',
              details: 'YES',
              provider: 'other',
              model: 'test-model',
              prompt_hash: a.tier2_prompt_hash,
              rationale: 'The code does it.',
            }
      return [{ ...base, tier: 1, result: 'pass', details: `${a.type} pass` }, tier2]
    })
    const pipeline = { provider: 'github_actions', run_id: 'ci-1', commit_sha: 'a'.repeat(40), repo: REPO }
    const verifierInfo = { name: 'warrant', version: '0.1.0' }
    const statement = buildResultsStatement({
      workspace_id: workspaceId,
      model_id: modelId,
      repo: REPO,
      pipeline,
      verifier: verifierInfo,
      results,
      created_at: new Date().toISOString(),
    })
    const run = await verifier.post(`/api/models/${modelId}/verification/results`, {
      pipeline,
      verifier: verifierInfo,
      results,
      bundle: {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint: fingerprint(key.publicKey) } },
        dsseEnvelope: signEnvelope(IN_TOTO_PAYLOAD_TYPE, statementPayload(statement), key.privateKey),
      },
    })
    expect(run.status, JSON.stringify(run.body)).toBe(201)
    const finding = await developer.post(`/api/models/${modelId}/findings`, {
      findings: [{ control_id: 'CTRL-02', title: 'eval in refunds', description: 'refund() evaluates input.' }],
    })
    expect(finding.status, JSON.stringify(finding.body)).toBe(201)
    findingId = finding.body.items[0].id
    // A second finding through its whole life: acknowledged with a reason, linked to CTRL-02's passing assertion and
    // remediated (so it gains `verified`), then noted. Each step but the note is its own log event.
    const second = await developer.post(`/api/models/${modelId}/findings`, {
      findings: [{ control_id: 'CTRL-02', title: 'weak refund check', description: 'refund() trusts the amount.' }],
    })
    remediatedId = second.body.items[0].id
    const ctrl02Assertion = assertions.find((x: any) => x.control_id === 'CTRL-02').id
    const steps = [
      { status: 'acknowledged', reason: 'Seen and triaged by the payments team.' },
      { link_assertion_ids: [ctrl02Assertion], status: 'remediated' },
      { notes: 'Fixed in the refunds rewrite.' },
    ]
    for (const step of steps) {
      const res = await developer.patch(`/api/models/${modelId}/findings/${remediatedId}`, step)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
    }
    before = await exportPackage()

    // A reviewer gives the skipped Tier 2 a verdict, anchored to the current Tier 1 result.
    const a = (await developer.get(`/api/models/${modelId}/assertions/${authAssertion}`)).body
    const review = await reviewer.post(`/api/models/${modelId}/assertions/${authAssertion}/tier2-reviews`, {
      repo: REPO,
      verdict: 'pass',
      rationale: 'require_auth rejects unsigned and expired tokens.',
      anchor_result_id: a.per_repo[0].tier1.result_id,
      prompt_hash: authPromptHash,
    })
    expect(review.status, JSON.stringify(review.body)).toBe(201)
    reviewId = review.body.review.id
    pkg = await exportPackage()
    signer = await instanceKey(running)
    const keys = (await owner.get('/api/keys')).body
    pins = {
      format: 'warrant.pins/v1',
      instance_keys: [fingerprint(signer)],
      log: { origin: keys.log_keys[0].name, vkeys: [keys.log_keys[0].vkey] },
      workspace_id: workspaceId,
      model_ids: [modelId],
      workspace_keys: [fingerprint(key.publicKey)],
    }
  }, 120_000)

  afterAll(async () => {
    await running?.close()
    await backend?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('recomputes every verdict, a human Tier 2 review included, and finds every record in the log (exit 0)', async () => {
    const ctrl01 = pkg.sections.verdicts.controls.find((c: any) => c.control_id === 'CTRL-01')
    expect([ctrl01.verification_status, ctrl01.assertions[0].per_repo[0].tier2]).toEqual([
      'verified',
      { result: 'pass', source: 'human', result_id: null, review_id: reviewId, run_id: null },
    ])
    // Before the review CTRL-01 waits for its Tier 2 (V2, exit 3); after it, and re-signed unchanged, it verifies.
    for (const [p, code] of [
      [before, 3],
      [pkg, 0],
      [forged(pkg, () => {}), 0],
    ]) {
      const r = await audit(p)
      expect(
        [r.code, failed(r.report)],
        JSON.stringify(r.report.checks.filter((c: any) => c.status === 'fail')),
      ).toEqual([code, []])
      const status = Object.fromEntries(r.report.checks.map((c: any) => [c.id, c.status]))
      expect([status.E1, status.E2, status.V1, status.L3]).toEqual(['pass', 'pass', 'pass', 'skipped'])
    }
  })

  it('E1: a record edited after its event disagrees with it, even in a re-signed package', async () => {
    const revision = pkg.sections.model.controls.find((c: any) => c.id === 'CTRL-01').revisions[0]
    const retitle = (p: any) => {
      p.sections.model.controls.find((c: any) => c.id === 'CTRL-01').revisions[0].title = 'Authenticate some routes'
    }
    const unsigned = structuredClone(pkg)
    retitle(unsigned)
    const plain = await audit(unsigned)
    expect([plain.code, failed(plain.report)]).toEqual([1, ['E1', 'M5']])
    const r = await audit(forged(pkg, retitle))
    expect([r.code, failed(r.report)]).toEqual([1, ['E1']])
    expect(message(r.report, 'E1')).toEqual([`model CTRL-01@1 disagrees with log event ${revision.event_index}`])

    const review = pkg.sections.judgements.tier2_reviews[0]
    const reworded = await audit(
      forged(pkg, (p) => {
        p.sections.judgements.tier2_reviews[0].rationale = 'Looked fine to me at a glance, approved.'
      }),
    )
    expect([reworded.code, failed(reworded.report)]).toEqual([1, ['E1']])
    expect(message(reworded.report, 'E1')).toEqual([
      `judgements ${review.id} disagrees with log event ${review.event_index}`,
    ])
  })

  it('E2: a record without its event fails; the exporter includes the older events the sections point to', async () => {
    const r = await audit(
      forged(pkg, (p) => {
        p.sections.assertions.find((a: any) => a.id === authAssertion).created_event_index = null
      }),
    )
    expect([r.code, failed(r.report)]).toEqual([1, ['E2']])
    expect(message(r.report, 'E2')).toEqual([`assertion ${authAssertion} has no log event in the package`])

    // A window that starts after everything was set up: the events the sections point to come as `referenced`.
    const recent = await exportPackage({ from: pkg.sections.scope.generated_at })
    expect(recent.sections.events.referenced.length).toBeGreaterThan(0)
    const windowed = await audit(recent)
    expect(windowed.code, JSON.stringify(windowed.report.checks.filter((c: any) => c.status === 'fail'))).toBe(0)
    // Without one of them, the record it proves has no event.
    const created = recent.sections.assertions.find((a: any) => a.id === authAssertion).created_event_index
    const dropped = await audit(
      forged(recent, (p) => {
        p.sections.events.referenced = p.sections.events.referenced.filter((e: any) => e.index !== created)
      }),
    )
    expect([dropped.code, failed(dropped.report), message(dropped.report, 'E2')]).toEqual([
      1,
      ['E2'],
      [`assertion ${authAssertion} has no log event in the package`],
    ])
  })

  it('findings: each FindingEvent points to its own log event, except a note', async () => {
    const events = pkg.sections.findings.find((f: any) => f.id === remediatedId).events
    expect(events.map((e: any) => [e.kind, e.from_status, e.to_status])).toEqual([
      ['created', null, 'discovered'],
      ['transitioned', 'discovered', 'acknowledged'],
      ['linked', null, null],
      ['transitioned', 'acknowledged', 'remediated'],
      ['verification_gained', 'remediated', 'verified'],
      ['noted', null, null],
    ])
    const proven = new Map<number, any>(
      [...pkg.sections.events.chain, ...pkg.sections.events.referenced].map((e: any) => [
        e.index,
        JSON.parse(Buffer.from(e.leaf, 'base64').toString('utf8')),
      ]),
    )
    const indexes = events.map((e: any) => e.event_index)
    expect(indexes.at(-1)).toBeNull()
    expect(new Set(indexes.slice(0, -1)).size).toBe(5)
    expect(indexes.slice(0, -1).map((i: number) => [proven.get(i).type, proven.get(i).at])).toEqual([
      ['finding.created', events[0].at],
      ['finding.transitioned', events[1].at],
      ['finding.linked', events[2].at],
      ['finding.transitioned', events[3].at],
      ['finding.verification_changed', events[4].at],
    ])
    expect(proven.get(indexes[1]).data).toEqual({
      finding_id: remediatedId,
      from: 'discovered',
      to: 'acknowledged',
      reason_digest: textDigest('Seen and triaged by the payments team.'),
    })
    expect(proven.get(indexes[4]).data).toMatchObject({ finding_id: remediatedId, verified: true })
    const first = pkg.sections.findings.find((f: any) => f.id === findingId).events
    expect(first.map((e: any) => proven.get(e.event_index).type)).toEqual(['finding.created'])
  })

  it('E1 and E2 for FindingEvents: an edited one disagrees with its event; one without its event fails', async () => {
    const events = pkg.sections.findings.find((f: any) => f.id === remediatedId).events
    const edited = await audit(
      forged(pkg, (p) => {
        p.sections.findings.find((f: any) => f.id === remediatedId).events[1].reason = 'Nobody will ever look at it.'
      }),
    )
    expect([edited.code, failed(edited.report), message(edited.report, 'E1')]).toEqual([
      1,
      ['E1'],
      [`findings ${remediatedId} disagrees with log event ${events[1].event_index}`],
    ])
    const relinked = await audit(
      forged(pkg, (p) => {
        p.sections.findings.find((f: any) => f.id === remediatedId).events[2].assertion_ids = [authAssertion]
      }),
    )
    expect([relinked.code, failed(relinked.report), message(relinked.report, 'E1')]).toEqual([
      1,
      ['E1'],
      [`findings ${remediatedId} disagrees with log event ${events[2].event_index}`],
    ])

    const unlogged = await audit(
      forged(pkg, (p) => {
        p.sections.findings.find((f: any) => f.id === remediatedId).events[4].event_index = null
      }),
    )
    expect([unlogged.code, failed(unlogged.report), message(unlogged.report, 'E2')]).toEqual([
      1,
      ['E2'],
      [`finding verification_gained event ${remediatedId} has no log event in the package`],
    ])
    // A window after the findings: their events come as `referenced`; without one, its FindingEvent has no event.
    const recent = await exportPackage({ from: pkg.sections.scope.generated_at })
    const transitioned = recent.sections.findings.find((f: any) => f.id === remediatedId).events[3].event_index
    expect(recent.sections.events.referenced.map((e: any) => e.index)).toContain(transitioned)
    const dropped = await audit(
      forged(recent, (p) => {
        p.sections.events.referenced = p.sections.events.referenced.filter((e: any) => e.index !== transitioned)
      }),
    )
    expect([dropped.code, failed(dropped.report), message(dropped.report, 'E2')]).toEqual([
      1,
      ['E2'],
      [`finding transitioned event ${remediatedId} has no log event in the package`],
    ])
  })

  it('L3: counts the pinned witnesses whose cosignature verifies', async () => {
    const w1 = testWitness('witness.example.org/w1')
    const w2 = testWitness('witness.example.net/w2')
    const other = testWitness('witness.example.com/unpinned')
    const witnessed = { ...pins, log: { ...pins.log, witnesses: { vkeys: [w1.vkey, w2.vkey], quorum: 2 } } }
    const t = 1_767_225_600
    const cosigned = (...lines: ((note: string) => string)[]) =>
      forged(pkg, (p) => {
        p.sections.log.checkpoint = lines.reduce((note, add) => add(note), p.sections.log.checkpoint)
      })

    const none = await audit(pkg, witnessed)
    expect([none.code, failed(none.report, 'insufficient')]).toEqual([3, ['L3']])
    expect(message(none.report, 'L3')).toEqual(['checkpoint has 0 of 2 required witness cosignatures'])

    const one = await audit(
      cosigned(
        (n) => w1.cosign(n, t),
        (n) => other.cosign(n, t, t + 1),
      ),
      witnessed,
    )
    expect([one.code, message(one.report, 'L3')]).toEqual([3, ['checkpoint has 1 of 2 required witness cosignatures']])

    const both = await audit(
      cosigned(
        (n) => w1.cosign(n, t),
        (n) => w2.cosign(n, t + 5),
      ),
      witnessed,
    )
    expect(both.code, JSON.stringify(both.report.checks.filter((c: any) => c.status !== 'pass'))).toBe(0)
    expect(both.report.checks.find((c: any) => c.id === 'L3').status).toBe('pass')

    const bad = await audit(
      cosigned(
        (n) => w1.cosign(n, t),
        (n) => w2.cosign(n, t, t + 1),
      ),
      witnessed,
    )
    expect([bad.code, failed(bad.report), message(bad.report, 'L3')]).toEqual([
      1,
      ['L3'],
      [
        'checkpoint cosignature of witness witness.example.net/w2 does not verify',
        'checkpoint has 1 of 2 required witness cosignatures',
      ],
    ])

    const malformed = await audit(pkg, {
      ...pins,
      log: { ...pins.log, witnesses: { vkeys: [pins.log.vkeys[0]], quorum: 1 } },
    })
    expect([malformed.code, malformed.report.checks[0].message]).toEqual([
      2,
      `pins: log.witnesses.vkeys: ${pins.log.vkeys[0].slice(0, 60)} is not an Ed25519 cosignature vkey`,
    ])
    const tooMany = await audit(pkg, { ...pins, log: { ...pins.log, witnesses: { vkeys: [w1.vkey], quorum: 2 } } })
    expect(tooMany.code).toBe(2)
  })

  it('V1: a Tier 2 verdict, a sufficiency or a finding status stated better than the evidence fails', async () => {
    const stated = (p: any, id: string) => p.sections.verdicts.controls.find((c: any) => c.control_id === id)
    // Before the review, CTRL-01's Tier 2 was skipped: a platform claiming a human pass it never logged.
    const tier2 = await audit(
      forged(before, (p) => {
        const c = stated(p, 'CTRL-01')
        c.verification_status = 'verified'
        c.status_reasons = []
        c.assertions[0].evaluation = 'passing'
        c.assertions[0].per_repo[0].tier2 = {
          result: 'pass',
          source: 'human',
          result_id: null,
          review_id: 'tr_forged',
          run_id: null,
        }
      }),
    )
    const runId = before.sections.runs[0].run_id
    expect([tier2.code, failed(tier2.report)]).toEqual([1, ['V1']])
    expect(message(tier2.report, 'V1')).toEqual([
      `platform states ${authAssertion} Tier 2 in ${REPO} pass (human review tr_forged); the evidence gives skipped (ci run ${runId})`,
      `platform states ${authAssertion} passing; the evidence gives awaiting`,
      'platform states CTRL-01 verified; the evidence gives pending',
    ])

    const signoff = pkg.sections.judgements.sufficiency.find((s: any) => s.control_id === 'CTRL-01')
    const sufficiency = await audit(
      forged(pkg, (p) => {
        stated(p, 'CTRL-03').sufficiency = { status: 'sufficient', method: 'human', evaluation_id: signoff.id }
      }),
    )
    expect([sufficiency.code, failed(sufficiency.report)]).toEqual([1, ['V1']])
    expect(message(sufficiency.report, 'V1')).toEqual([
      `platform states sufficiency of CTRL-03 sufficient (human ${signoff.id}); the evidence gives pending (none none)`,
    ])

    // A heuristic coherence verdict is recomputed: a record edited to incoherent contradicts both its event and h1.
    const coherence = pkg.sections.judgements.coherence.find((e: any) => e.assertion_id === authAssertion)
    expect(coherence).toMatchObject({ method: 'heuristic', verdict: 'coherent' })
    const incoherent = await audit(
      forged(pkg, (p) => {
        p.sections.judgements.coherence.find((e: any) => e.id === coherence.id).verdict = 'incoherent'
      }),
    )
    expect([incoherent.code, failed(incoherent.report)]).toEqual([1, ['E1', 'V1']])
    expect(message(incoherent.report, 'V1').slice(0, 2)).toEqual([
      `platform states heuristic coherence of ${authAssertion} incoherent; the evidence gives coherent`,
      `platform states coherence of ${authAssertion} coherent (heuristic ${coherence.id}); the evidence gives incoherent (heuristic ${coherence.id})`,
    ])

    const finding = await audit(
      forged(pkg, (p) => {
        p.sections.verdicts.findings.find((f: any) => f.finding_id === findingId).status = 'verified'
      }),
    )
    expect([finding.code, message(finding.report, 'V1')]).toEqual([
      1,
      [`platform states finding ${findingId} verified; the evidence gives discovered`],
    ])
  })
})
