import { describe, expect, it } from 'vitest'
import { oidcAttestationHeader } from '../src/attest-oidc.js'
import { UsageError } from '../src/io.js'

/** `warrant run --oidc-token-env VAR` (EVIDENCE.md §6.1 "send the raw token only when asked"). */
describe('oidcAttestationHeader', () => {
  it('reads the token from the named variable', () => {
    expect(oidcAttestationHeader('WARRANT_ID_TOKEN', { WARRANT_ID_TOKEN: 'aa.bb.cc\n' })).toEqual({
      'x-ci-attestation': 'aa.bb.cc',
    })
  })

  it('refuses a missing, empty, malformed or oversized token', () => {
    for (const env of [{}, { T: '' }, { T: 'not a jwt' }, { T: 'a.b' }, { T: `a.${'b'.repeat(9000)}.c` }])
      expect(() => oidcAttestationHeader('T', env)).toThrow(UsageError)
  })
})
