import { describe, expect, it } from 'vitest'
import { BUILTIN_ISSUERS, checkIdentity, claimString, type IdentityPolicy } from '../src/evidence/identity.js'

const GH = 'https://token.actions.githubusercontent.com'
const policy = (extra: Partial<IdentityPolicy> = {}): IdentityPolicy => ({
  trusted_issuers: [...BUILTIN_ISSUERS],
  required_claims: [],
  sigstore_san_patterns: [],
  ...extra,
})
const claims = {
  iss: GH,
  sub: 'repo:Acme/Payments:ref:refs/heads/main',
  repository: 'Acme/Payments',
  repository_id: 123456,
  ref: 'refs/heads/main',
  ref_protected: true,
  custom: 'x',
  nested: { a: 1 },
}

/** EVIDENCE.md §6.2. */
describe('identity policy', () => {
  it('converts claim values to strings', () => {
    expect([claimString('a'), claimString(42), claimString(true), claimString(false)]).toEqual([
      'a',
      '42',
      'true',
      'false',
    ])
    expect(claimString({})).toBeUndefined()
    expect(claimString(null)).toBeUndefined()
  })

  it('matches the issuer byte for byte among enabled issuers', () => {
    expect(checkIdentity(policy(), { ...claims, iss: `${GH}/` })).toMatchObject({
      ok: false,
      check: 'issuer_not_trusted',
    })
    expect(checkIdentity(policy(), { ...claims, iss: GH.toUpperCase() })).toMatchObject({ check: 'issuer_not_trusted' })
    const disabled = policy({ trusted_issuers: BUILTIN_ISSUERS.map((i) => ({ ...i, enabled: false })) })
    expect(checkIdentity(disabled, claims)).toMatchObject({ check: 'issuer_not_trusted' })
  })

  it('is unpinned without a repository pin and records only allow-listed claims', () => {
    const out = checkIdentity(
      policy({ required_claims: [{ issuer: GH, claim: 'ref', values: ['refs/heads/main'] }] }),
      claims,
    )
    expect(out).toEqual({
      ok: true,
      issuer: GH,
      identity: 'unpinned',
      recorded_claims: {
        repository: 'Acme/Payments',
        repository_id: '123456',
        ref: 'refs/heads/main',
        ref_protected: 'true',
      },
      repository: 'Acme/Payments',
    })
  })

  it('pins on a repository claim, compared case-insensitively; others exactly', () => {
    const pinned = policy({
      required_claims: [
        { issuer: GH, claim: 'repository', values: ['acme/payments'] },
        { issuer: GH, claim: 'custom', values: ['x'] },
      ],
    })
    const out = checkIdentity(pinned, claims)
    expect(out).toMatchObject({ ok: true, identity: 'pinned', recorded_claims: { custom: 'x' } })
    expect(checkIdentity(pinned, { ...claims, custom: 'X' })).toEqual({
      ok: false,
      check: 'claims_mismatch',
      message: 'claim custom does not have an allowed value',
      details: { issuer: GH, claim: 'custom' },
    })
    expect(checkIdentity(pinned, { ...claims, repository: 'acme/other' })).toMatchObject({ check: 'claims_mismatch' })
  })

  it('compares numbers and booleans as strings and fails on a missing claim', () => {
    const p = policy({
      required_claims: [
        { issuer: GH, claim: 'repository_id', values: ['123456'] },
        { issuer: GH, claim: 'ref_protected', values: ['true'] },
      ],
    })
    expect(checkIdentity(p, claims)).toMatchObject({ ok: true, identity: 'pinned' })
    const { ref_protected: _, ...without } = claims
    expect(checkIdentity(p, without)).toMatchObject({ check: 'claims_mismatch', details: { claim: 'ref_protected' } })
    expect(checkIdentity(p, { ...claims, ref_protected: 'True' })).toMatchObject({ check: 'claims_mismatch' })
  })

  it('requires a certificate SAN to match a pattern of its issuer', () => {
    const p = policy({ sigstore_san_patterns: [{ issuer: GH, pattern: 'https://github\\.com/acme/.*' }] })
    const sanMatches = (pattern: string, san: string) => new RegExp(`^(?:${pattern})$`).test(san)
    const good = { san: 'https://github.com/acme/payments/.github/workflows/ci.yml@refs/heads/main', sanMatches }
    expect(checkIdentity(p, claims, good)).toMatchObject({ ok: true })
    expect(checkIdentity(p, claims, { ...good, san: 'https://github.com/evil/x' })).toMatchObject({
      ok: false,
      check: 'san_mismatch',
    })
    // Tokens carry no SAN: the patterns do not apply to them.
    expect(checkIdentity(p, claims)).toMatchObject({ ok: true })
  })
})
