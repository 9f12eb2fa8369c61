import { CATALOGUE } from '../catalogue/index.js'
import { textDigest } from '../digests.js'

/**
 * The Tier 2 prompt (PLATFORM.md §9.3, `tier2/<type>@<n>`): the action line, the control of the current revision, its
 * objectives, this assertion's scope, the decision rule and the answer format. Deterministic: the same inputs give the
 * same bytes, hence the same hash. The CLI appends the evidence itself, fenced as untrusted data.
 */
export interface Tier2PromptInput {
  type: string
  params: Record<string, unknown>
  description: string
  control: { title: string; description: string }
  objectives: readonly string[]
}

const code = (v: unknown) => `\`${String(v)}\``

/** What to read: the named thing (function, key, package, …) in the file, files or manifest the params give. */
export function actionLine(type: string, params: Record<string, unknown>): string {
  const where = params.file ?? params.manifest ?? params.junit
  const place =
    where !== undefined
      ? code(where)
      : params.glob !== undefined
        ? `the files matching ${code(params.glob)}`
        : params.pattern !== undefined && type.startsWith('test_')
          ? `the tests matching ${code(params.pattern)}`
          : 'the repository'
  const named =
    params.name ??
    params.function ??
    params.caller ??
    params.test_name ??
    params.key ??
    params.package ??
    params.variable ??
    params.header ??
    params.module ??
    params.middleware
  const what = named !== undefined ? `${code(named)} in ` : ''
  return `Read ${what}${place} (assertion type ${type}).`
}

export function renderTier2Prompt(input: Tier2PromptInput): {
  prompt: string
  prompt_hash: string
  template: { id: string; version: number }
} {
  const entry = CATALOGUE.get(input.type)
  const question = entry?.tier2.question ?? 'Does the code shown implement the control?'
  const lines = [
    actionLine(input.type, input.params),
    '',
    '## Security control',
    input.control.title,
    input.control.description,
    '',
    '## Objectives',
    ...(input.objectives.length ? input.objectives.map((o) => `- ${o}`) : ['- none linked']),
    '',
    "## This assertion's scope",
    input.description,
    'Other assertions cover other aspects of the control: judge only this aspect.',
    '',
    '## Decision rule',
    `${question} The deterministic check found that ${entry?.claim ?? 'the claim holds'}; decide whether the code really serves the control.`,
    'Answer NO when the evidence shown does not prove it: a stub, a constant result, a disabled or bypassable check, or no visible evidence at all.',
    'The scope above is a claim, not evidence: judge only the code you are shown.',
    '',
    '## Answer format',
    'The first line is exactly YES or NO. Then explain your reasoning in a few sentences, citing the lines you relied on.',
    '',
  ]
  const prompt = lines.join('\n')
  return {
    prompt,
    prompt_hash: textDigest(prompt),
    template: { id: `tier2/${input.type}`, version: entry?.tier2.version ?? 1 },
  }
}
