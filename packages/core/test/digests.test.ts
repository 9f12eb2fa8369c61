import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  assertionDigest,
  assertionSetDigest,
  controlContentDigest,
  digest,
  docDigest,
  sha256Hex,
  textDigest,
} from '../src/index.js'

/** SHA-256 of the UTF-8 bytes of a string written out by hand in the test. */
const expected = (s: string) => `sha256:${createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex')}`

describe('digests (EVIDENCE.md §3)', () => {
  it('hashes bytes and strings (as UTF-8) with SHA-256 in lower-case hex', () => {
    // FIPS 180-2 test vector.
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(digest(new Uint8Array([0x61, 0x62, 0x63]))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    expect(digest('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(textDigest('é')).toBe(digest(new Uint8Array([0xc3, 0xa9])))
    expect(textDigest('é')).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('doc_digest hashes the canonical form', () => {
    expect(docDigest({ b: [1, 'é'], a: null })).toBe(expected('{"a":null,"b":[1,"é"]}'))
    expect(docDigest([])).toBe(expected('[]'))
  })

  const assertion = {
    id: 'asr_01J8Z3V9YQ4K2M7N5P6R8S0T1W',
    model_id: 'mdl_01J8Z3V9YQ4K2M7N5P6R8S0T1X',
    control_id: 'CTRL-01',
    type: 'function_exists',
    params: { name: 'require_auth', file: 'auth/middleware.py' },
    description: 'The middleware exists.',
  }

  it('assertion digest (§3.4) covers every member, with an untagged repo as ""', () => {
    const untagged = expected(
      '{"control_id":"CTRL-01","description":"The middleware exists.","id":"asr_01J8Z3V9YQ4K2M7N5P6R8S0T1W",' +
        '"model_id":"mdl_01J8Z3V9YQ4K2M7N5P6R8S0T1X","params":{"file":"auth/middleware.py","name":"require_auth"},' +
        '"repo":"","type":"function_exists"}',
    )
    expect(assertionDigest({ ...assertion, repo: null })).toBe(untagged)
    expect(assertionDigest(assertion)).toBe(untagged)
    expect(assertionDigest({ ...assertion, repo: 'acme/payments-api' })).toBe(
      expected(
        '{"control_id":"CTRL-01","description":"The middleware exists.","id":"asr_01J8Z3V9YQ4K2M7N5P6R8S0T1W",' +
          '"model_id":"mdl_01J8Z3V9YQ4K2M7N5P6R8S0T1X","params":{"file":"auth/middleware.py","name":"require_auth"},' +
          '"repo":"acme/payments-api","type":"function_exists"}',
      ),
    )
  })

  it('assertion set digest (§3.5) sorts the digests ascending; the empty set is doc_digest([])', () => {
    const a = `sha256:${'a'.repeat(64)}`
    const b = `sha256:${'b'.repeat(64)}`
    expect(assertionSetDigest([b, a])).toBe(expected(`["${a}","${b}"]`))
    expect(assertionSetDigest([a, b])).toBe(assertionSetDigest([b, a]))
    expect(assertionSetDigest([])).toBe(expected('[]'))
  })

  it('does not reorder the caller’s array', () => {
    const digests = [`sha256:${'b'.repeat(64)}`, `sha256:${'a'.repeat(64)}`]
    assertionSetDigest(digests)
    expect(digests[0]).toBe(`sha256:${'b'.repeat(64)}`)
  })

  it('control content digest (§3.6) sorts objective ids and intents', () => {
    expect(
      controlContentDigest({
        id: 'CTRL-01',
        revision: 3,
        title: 'Authenticate every route',
        description: 'Every route passes through the JWT middleware.',
        objective_ids: ['CO-02', 'CO-01'],
        intents: ['session_management', 'authentication'],
      }),
    ).toBe(
      expected(
        '{"description":"Every route passes through the JWT middleware.","id":"CTRL-01",' +
          '"intents":["authentication","session_management"],"objective_ids":["CO-01","CO-02"],"revision":3,' +
          '"title":"Authenticate every route"}',
      ),
    )
  })
})
