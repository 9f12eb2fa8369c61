import { describe, expect, it } from 'vitest'
import { sourceLink } from '../src/links.js'

const REF = { repo: 'acme/payments-api', commit: 'abc123', path: 'src/a b/c#d?.ts', start: 3, end: 9 }

describe('code links from source_link_template', () => {
  it('substitutes every placeholder, each path segment URL-encoded', () => {
    expect(sourceLink('https://github.com/{repo}/blob/{commit}/{path}#L{start}-L{end}', REF)).toBe(
      'https://github.com/acme/payments-api/blob/abc123/src/a%20b/c%23d%3F.ts#L3-L9',
    )
    expect(sourceLink('http://git.example/{repo}/-/blob/{commit}/{path}?l={start}&{path}', REF)).toBe(
      'http://git.example/acme/payments-api/-/blob/abc123/src/a%20b/c%23d%3F.ts?l=3&src/a%20b/c%23d%3F.ts',
    )
  })

  it('gives no link without a template, or when the result is not an absolute http(s) URL', () => {
    expect(sourceLink(null, REF)).toBeNull()
    expect(sourceLink('', REF)).toBeNull()
    expect(sourceLink('javascript:alert("{path}")', REF)).toBeNull()
    expect(sourceLink('{repo}/{path}', REF)).toBeNull()
    expect(sourceLink('file:///srv/{repo}/{path}', REF)).toBeNull()
    expect(sourceLink('{path}', { ...REF, path: 'https://evil.example/x' })).toBeNull()
  })
})
