import { describe, expect, it } from 'vitest'
import { CATALOGUE } from '../src/catalogue/index.js'
import { actionLine, renderTier2Prompt } from '../src/prompts/tier2.js'

const input = {
  type: 'function_exists',
  params: { file: 'auth/middleware.py', name: 'require_auth' },
  description: 'The middleware that validates the JWT and answers 401 exists.',
  control: {
    title: 'Authenticate every payments route',
    description: 'Every route passes through the JWT middleware.',
  },
  objectives: ['Only authenticated customers can create or read payment intents.'],
}

/** The Tier 2 template of PLATFORM.md §9.3. */
describe('Tier 2 prompts', () => {
  it('render the sections in the contract order, deterministically', () => {
    const a = renderTier2Prompt(input)
    expect(a).toEqual(renderTier2Prompt(input))
    expect(a.template).toEqual({ id: 'tier2/function_exists', version: 2 })
    expect(a.prompt_hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    const lines = a.prompt.split('\n')
    expect(lines[0]).toBe('Read `require_auth` in `auth/middleware.py` (assertion type function_exists).')
    const headings = lines.filter((l) => l.startsWith('## '))
    expect(headings).toEqual([
      '## Security control',
      '## Objectives',
      "## This assertion's scope",
      '## Decision rule',
      '## Answer format',
    ])
    expect(a.prompt).toContain('- Only authenticated customers can create or read payment intents.')
    expect(a.prompt).toContain('no visible evidence at all')
    expect(a.prompt).toContain('The scope above is a claim, not evidence')
    expect(a.prompt).toContain('The first line is exactly YES or NO.')
    expect(a.prompt).not.toMatch(/JSON/)
  })

  it('change when the control or the objectives change, so verdicts against the old text go stale', () => {
    const base = renderTier2Prompt(input).prompt_hash
    expect(renderTier2Prompt({ ...input, control: { ...input.control, description: 'Weaker.' } }).prompt_hash).not.toBe(
      base,
    )
    expect(renderTier2Prompt({ ...input, objectives: [] }).prompt_hash).not.toBe(base)
  })

  it('have an action line and a decision question for every catalogue type', () => {
    for (const [type, entry] of CATALOGUE) {
      expect(actionLine(type, entry.example), type).toMatch(/^Read .+ \(assertion type [a-z_]+\)\.$/)
      expect(entry.tier2.question.endsWith('?'), type).toBe(true)
    }
    expect(actionLine('dependency_version', { manifest: 'requirements.txt', package: 'cryptography' })).toBe(
      'Read `cryptography` in `requirements.txt` (assertion type dependency_version).',
    )
    expect(actionLine('pattern_absent', { glob: 'src/**/*.py', pattern: 'eval' })).toBe(
      'Read the files matching `src/**/*.py` (assertion type pattern_absent).',
    )
  })
})
