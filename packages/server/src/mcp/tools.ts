import {
  CATALOGUE,
  FINDING_STATUSES,
  IMPLEMENTATION_STATUSES,
  REVIEW_ITEM_KINDS,
  SEVERITIES,
  VERIFICATION_STATUSES,
} from '@warrant/core'
import { z } from 'zod'
import { findingItem, findingPatch } from '../schemas/finding.js'
import { evidenceLinkCreate, implementationBody, refineBody } from '../schemas/model.js'
import { arrayParam, assertionId, controlId, cursor, idList, limit, modelId } from './params.js'
import { type HttpAnswer, parseResponse, path, type RestRequest } from './rest.js'
import { verifyCommand } from './verify-command.js'

/** A REST error body's `error` member, minus the request id (PLATFORM.md §5.1). */
export interface ApiErrorBody {
  code: string
  status: number
  message: string
  details: Record<string, unknown>
}

type Args = Record<string, unknown>
type Result = Record<string, unknown>

interface ToolSpec<S extends z.ZodType<Args>, R> {
  name: string
  description: string
  input: S
  request(args: z.output<S>): RestRequest
  /** The structured result of a 2xx answer; by default its JSON body. */
  result?(answer: HttpAnswer, args: z.output<S>): Result
  /** A REST error that is an answer for this tool rather than a failure. */
  rescue?(error: ApiErrorBody): Result | undefined
  /** One paragraph for the agent: what came back and what to do next. */
  summary(result: R, args: z.output<S>): string
}

/** A tool with its types erased, as the executors see it. */
export type Tool = ToolSpec<z.ZodType<Args>, Result>
const tool = <S extends z.ZodType<Args>, R>(spec: ToolSpec<S, R>): Tool => spec as unknown as Tool

interface Page<T> {
  items: T[]
  next_cursor?: string | null
}
interface Control {
  id: string
  title: string
  description?: string
  revision?: number
  implementation_status: string
  verification_status: string
  status_reasons?: string[]
  sufficiency?: { status: string; method: string | null; missing_aspects?: string[] } | null
  assertion_count: number
  open_findings?: number
  assertions?: Assertion[]
  findings?: Finding[]
}
interface Assertion {
  id: string
  type: string
  description: string
  repo: string | null
  evaluation: string | null
}
interface Finding {
  id: string
  control_id: string
  title: string
  severity: string | null
  status: string
  remediation_assertion_ids: string[]
}
interface FieldError {
  path: string
  code: string
  message: string
}
interface Refinement {
  accepted: boolean | null
  reason?: string
  refinement: { id: string; status?: string }
  control?: { id: string; revision: number }
}
interface AssertionItem {
  type: string
  params?: Record<string, unknown>
  repo?: string | null
}

const more = (page: { next_cursor?: string | null }) =>
  page.next_cursor ? ` More: call again with cursor "${page.next_cursor}".` : ''
const listOf = <T>(items: T[], show: (item: T) => string, none: string) =>
  items.length ? items.map(show).join('; ') : none
const fieldErrors = (errors: FieldError[]) => errors.map((e) => `${e.path || '/'} ${e.code}: ${e.message}`).join('; ')
const verifyLines = (items: AssertionItem[]) =>
  items.map((a) => `\`${verifyCommand(a.type, a.params ?? {})}\`${a.repo ? ` (in the checkout of ${a.repo})` : ''}`)
const controlLine = (c: Control) =>
  `${c.id} ${c.implementation_status}/${c.verification_status} (${c.assertion_count} assertions) "${c.title}"`
const findingLine = (f: Finding) => `${f.id} ${f.status} ${f.severity ?? 'unrated'} on ${f.control_id} "${f.title}"`

interface Objective {
  id: string
  statement: string
  assurance?: string
  control_ids?: string[]
}
const objectiveLine = (o: Objective) =>
  `${o.id}${o.assurance ? ` ${o.assurance}` : ''}${o.control_ids ? ` (controls: ${o.control_ids.join(', ') || 'none'})` : ''} "${o.statement}"`

interface AssertionType {
  name: string
  summary: string
  params: { required?: string[]; properties?: Record<string, unknown> }
  example: { type: string; params: Record<string, unknown> }
}
const assertionTypeText = (t: AssertionType) => {
  const all = Object.keys(t.params.properties ?? {})
  const required = t.params.required ?? []
  return (
    `${t.name}: ${t.summary} Required params: ${required.join(', ') || 'none'}; optional: ` +
    `${all.filter((k) => !required.includes(k)).join(', ') || 'none'}. Example: \`${verifyCommand(t.name, t.example.params)}\`.`
  )
}

interface Report {
  controls_total: number
  controls_verified: number
  controls_partially_verified: number
  controls_pending: number
  controls_unverified: number
  controls_implemented: number
  assertions: { tier1: Record<'pass' | 'fail' | 'error' | 'pending', number> }
  drift: { open: number }
  control_details: { control_id: string; verification_status: string; status_reasons: string[] }[]
  next_cursor: string | null
}

interface Judgement {
  status?: string
  verdict?: string
  method: string | null
  reason?: string
  missing_aspects?: string[]
}

interface Run {
  id: string
  repo: string
  commit_sha: string
  accepted_at: string
  results_count: number
  counting: boolean
}
const runLine = (r: Run) =>
  `${r.id} on ${r.repo || '(default)'}@${r.commit_sha.slice(0, 12)} at ${r.accepted_at}, ${r.results_count} results${r.counting ? '' : ', not counting'}`

const MODEL_COLLECTIONS = ['assets', 'attackers', 'assumptions', 'control_objectives', 'controls'] as const
const CONTROL_STATUSES = [...IMPLEMENTATION_STATUSES, ...VERIFICATION_STATUSES] as const
const repo = z
  .string()
  .max(200)
  .describe('a repo as owner/name; "" means the default codebase (or, for assertions, the untagged ones)')

const assertionParams = z
  .record(z.string(), z.unknown())
  .describe("the type's parameters; get_assertion_types with `type` lists them with an example")
const assertionItem = z
  .object({
    type: z.string().describe('an assertion type of the catalogue (get_assertion_types)'),
    params: assertionParams.optional(),
    description: z.string().describe('what this assertion proves about the control, in one sentence'),
    repo: z.string().nullable().optional().describe('owner/name of the repo it is about; omit for every repo'),
  })
  // Loose, params free-form: the catalogue reports a wrong type, param or member with its own code and JSON Pointer.
  .loose()

/** The MCP tools of PLATFORM.md §6 whose REST route exists, each a thin call to that route. */
export const TOOLS: Tool[] = [
  tool({
    name: 'list_models',
    description: "List the threat models of the key's workspace, newest first. Start here to find the model id.",
    input: z.strictObject({ limit, cursor }),
    request: (a) => ({ method: 'GET', path: '/api/models', query: a }),
    summary: (r: Page<{ id: string; title: string; revision: number }>) =>
      `${r.items.length} model(s): ${listOf(r.items, (m) => `${m.id} "${m.title}" (revision ${m.revision})`, 'none; create one with import_model')}.${more(r)}`,
  }),
  tool({
    name: 'get_model',
    description: 'Read one model with its assets, attackers, assumptions, control objectives and controls.',
    input: z.strictObject({
      model_id: modelId,
      include: arrayParam(z.array(z.enum(MODEL_COLLECTIONS)), { commaList: true })
        .optional()
        .describe(`collections to include (default all): ${MODEL_COLLECTIONS.join(', ')}`),
    }),
    request: (a) => ({
      method: 'GET',
      path: path`/api/models/${a.model_id}`,
      query: { include: a.include ?? MODEL_COLLECTIONS },
    }),
    summary: (r: { id: string; title: string; revision: number } & Partial<Record<string, unknown[]>>) =>
      `Model ${r.id} "${r.title}", revision ${r.revision}: ${MODEL_COLLECTIONS.filter((k) => r[k])
        .map((k) => `${r[k]!.length} ${k}`)
        .join(', ')}. Find work with get_controls status=not_implemented.`,
  }),
  tool({
    name: 'import_model',
    description:
      'Create a model from a model file (warrant.model/v1, YAML or JSON text), or update the model `model_id` from ' +
      'one (mode merge keeps what the file omits, sync deletes it). dry_run answers the plan and stores nothing.',
    input: z.strictObject({
      content: z.string().describe('the model file text'),
      format: z.enum(['yaml', 'json']).optional().describe('sniffed from the content when absent'),
      model_id: modelId.optional().describe('update this model instead of creating one'),
      mode: z.enum(['merge', 'sync']).optional().describe('with model_id: merge (default) or sync'),
      dry_run: z.boolean().optional(),
    }),
    request: (a) => {
      const format = a.format ?? (a.content.trimStart().startsWith('{') ? 'json' : 'yaml')
      return {
        method: 'POST',
        path: a.model_id ? path`/api/models/${a.model_id}/import` : '/api/models/import',
        query: { mode: a.mode, dry_run: a.dry_run },
        file: { content: a.content, type: `application/${format}` },
      }
    },
    summary: (r: {
      plan?: unknown
      model?: { id: string; title: string; revision: number }
      created?: Record<string, number>
      changes?: Record<string, unknown[] | number>
      warnings?: string[]
    }) => {
      if (r.plan) return 'Dry run: nothing was stored; the structured content holds the plan.'
      const m = r.model!
      const counts = Object.entries(r.created ?? r.changes ?? {})
        .map(([k, v]) => `${k} ${Array.isArray(v) ? v.length : v}`)
        .join(', ')
      const warnings = r.warnings?.length ? ` Warnings: ${r.warnings.join('; ')}.` : ''
      return `Model ${m.id} "${m.title}" is at revision ${m.revision} (${counts}).${warnings} Next: get_controls.`
    },
  }),
  tool({
    name: 'export_model',
    description: 'Export a model as a model file; edit it and send it back with import_model and model_id.',
    input: z.strictObject({
      model_id: modelId,
      format: z.enum(['yaml', 'json']).default('yaml'),
      include_assertions: z.boolean().optional().describe('default true'),
    }),
    request: (a) => ({
      method: 'GET',
      path: path`/api/models/${a.model_id}/export`,
      query: { format: a.format, include_assertions: a.include_assertions },
    }),
    result: (answer, a) => ({ format: a.format, content: answer.body }),
    summary: (r: { format: string; content: string }, a) =>
      `Model ${a.model_id} as ${r.format}: ${Buffer.byteLength(r.content)} bytes in \`content\`.`,
  }),
  tool({
    name: 'get_control_objectives',
    description: 'List the control objectives of a model with their assurance, or read one with objective_id.',
    input: z.strictObject({
      model_id: modelId,
      objective_id: z.string().max(40).optional().describe('read this objective, e.g. CO-01'),
      limit,
      cursor,
    }),
    request: ({ model_id, objective_id, ...query }) =>
      objective_id
        ? { method: 'GET', path: path`/api/models/${model_id}/control-objectives/${objective_id}` }
        : { method: 'GET', path: path`/api/models/${model_id}/control-objectives`, query },
    summary: (r: Page<Objective> | Objective) =>
      'items' in r
        ? `${r.items.length} control objective(s): ${listOf(r.items, objectiveLine, 'none')}.${more(r)}`
        : objectiveLine(r),
  }),
  tool({
    name: 'get_controls',
    description:
      'Find controls (filter by status, e.g. not_implemented, or by objective), or read one control with its ' +
      'assertions and findings (control_id). Read a control, then the code, before proposing assertions.',
    input: z.strictObject({
      model_id: modelId,
      control_id: controlId.optional().describe('read this control with its assertions and findings'),
      status: z.enum(CONTROL_STATUSES).optional().describe('an implementation or a verification status'),
      objective_id: z.string().max(40).optional().describe('controls of this objective, e.g. CO-01'),
      co_id: z.string().max(40).optional().describe('alias of objective_id'),
      summary_only: z.boolean().optional(),
      limit,
      cursor,
    }),
    request: ({ model_id, control_id, co_id, objective_id, ...query }) =>
      control_id
        ? {
            method: 'GET',
            path: path`/api/models/${model_id}/controls/${control_id}`,
            query: { include: ['assertions', 'findings'] },
          }
        : {
            method: 'GET',
            path: path`/api/models/${model_id}/controls`,
            query: { ...query, objective_id: objective_id ?? co_id },
          },
    summary: (r: (Page<Control> & { total: number }) | Control) => {
      if ('items' in r)
        return `${r.total} control(s) match; this page: ${listOf(r.items, controlLine, 'none')}.${more(r)}`
      const reasons = r.status_reasons?.length ? ` (${r.status_reasons.join(', ')})` : ''
      const sufficiency = r.sufficiency ? ` Sufficiency: ${r.sufficiency.status}.` : ''
      return (
        `${controlLine(r)}, revision ${r.revision}, verification ${r.verification_status}${reasons}.${sufficiency} ` +
        `Description: ${r.description} Assertions: ${listOf(r.assertions ?? [], (a) => `${a.id} ${a.type} ${a.evaluation}`, 'none')}. ` +
        `Open findings: ${r.open_findings ?? 0}. Next: read the code that should implement it, then propose assertions.`
      )
    },
  }),
  tool({
    name: 'update_control_status',
    description:
      'Mark a control implemented (it needs assertions, ideally judged sufficient) or not_implemented again.',
    input: z.strictObject({
      model_id: modelId,
      control_id: controlId,
      status: implementationBody.shape.status,
      implementation_notes: implementationBody.shape.notes.describe('how the code implements it'),
    }),
    request: (a) => ({
      method: 'PUT',
      path: path`/api/models/${a.model_id}/controls/${a.control_id}/implementation`,
      body: { status: a.status, notes: a.implementation_notes },
    }),
    summary: (r: Control) =>
      `${r.id} is ${r.implementation_status}; verification ${r.verification_status}. CI results decide whether it becomes verified: follow with get_verification_report.`,
  }),
  tool({
    name: 'refine_control',
    description:
      'Propose a new description for an over-prescriptive control, with a justification (at least 20 bytes) from ' +
      'the codebase. Never use it to weaken a control. A rejection is an answer (accepted: false), not an error.',
    input: refineBody.extend({ model_id: modelId, control_id: controlId }),
    request: ({ model_id, control_id, ...body }) => ({
      method: 'POST',
      path: path`/api/models/${model_id}/controls/${control_id}/refine`,
      body,
    }),
    rescue: (e) =>
      e.code === 'refinement_rejected'
        ? {
            accepted: false,
            reason: e.message,
            refinement: { id: e.details.refinement_id },
            per_objective: e.details.per_objective,
          }
        : undefined,
    summary: (r: Refinement) =>
      r.accepted === null
        ? `Refinement ${r.refinement.id} is ${r.refinement.status}: the control keeps its text until a reviewer decides.`
        : r.accepted
          ? `Refinement ${r.refinement.id} accepted: ${r.control?.id} is now revision ${r.control?.revision}; its assertions are re-judged.`
          : `Refinement ${r.refinement.id} rejected: ${r.reason} Keep the control's text and make the code meet it.`,
  }),
  tool({
    name: 'add_evidence_link',
    description: 'Link a control to evidence that is not an assertion: a document, ticket, test or URL.',
    input: evidenceLinkCreate.extend({ model_id: modelId, control_id: controlId }),
    request: ({ model_id, control_id, ...body }) => ({
      method: 'POST',
      path: path`/api/models/${model_id}/controls/${control_id}/evidence-links`,
      body,
    }),
    summary: (r: { id: string; kind: string; label: string; control_id: string }) =>
      `Linked ${r.kind} evidence "${r.label}" (${r.id}) to ${r.control_id}.`,
  }),
  tool({
    name: 'remove_evidence_link',
    description: 'Remove an evidence link from a control.',
    input: z.strictObject({ model_id: modelId, control_id: controlId, link_id: z.string().max(40) }),
    request: (a) => ({
      method: 'DELETE',
      path: path`/api/models/${a.model_id}/controls/${a.control_id}/evidence-links/${a.link_id}`,
    }),
    result: () => ({ removed: true }),
    summary: (_r, a) => `Removed evidence link ${a.link_id} from ${a.control_id}.`,
  }),
  tool({
    name: 'get_assertion_types',
    description:
      'The assertion catalogue: every type with its parameters (JSON Schema), what it proves and an example. ' +
      'With `type`, only that type.',
    input: z.strictObject({ type: z.enum([...CATALOGUE.keys()] as [string, ...string[]]).optional() }),
    request: () => ({ method: 'GET', path: '/api/assertion-types' }),
    result: (answer, a) => {
      const catalogue = parseResponse(answer.body) as { catalogue_version: string; types: { name: string }[] }
      return a.type ? { ...catalogue, types: catalogue.types.filter((t) => t.name === a.type) } : catalogue
    },
    summary: (r: { catalogue_version: string; types: AssertionType[] }) =>
      r.types.length === 1
        ? assertionTypeText(r.types[0]!)
        : `Catalogue ${r.catalogue_version}, ${r.types.length} types: ${r.types.map((t) => `${t.name} (${t.summary})`).join('; ')}. Call again with \`type\` for one type's parameters.`,
  }),
  tool({
    name: 'validate_assertion',
    description:
      'Check one assertion against the catalogue (types and params only; whether the code satisfies it is ' +
      '`warrant verify`, whose exact command the answer gives). Stores nothing.',
    input: z.strictObject({
      type: assertionItem.shape.type,
      params: assertionParams,
      description: assertionItem.shape.description.optional(),
      repo: assertionItem.shape.repo,
    }),
    request: (body) => ({ method: 'POST', path: '/api/assertion-types/validate', body }),
    summary: (r: { valid: boolean; errors: FieldError[] }, a) =>
      r.valid
        ? `Valid ${a.type} assertion. Check it against the code before submitting: ${verifyLines([a]).join('')}`
        : `Invalid: ${fieldErrors(r.errors)}. get_assertion_types with type=${a.type} lists the params.`,
  }),
  tool({
    name: 'submit_assertions',
    description:
      'Attach assertions to a control (all or nothing; items equal to an existing one are reported unchanged). ' +
      'Check each first with `warrant verify <type> -p key=value` against the code. The answer carries coherence ' +
      'warnings and the control\'s sufficiency: add assertions until it is "sufficient".',
    input: z.strictObject({
      model_id: modelId,
      control_id: controlId,
      assertions_json: arrayParam(z.array(assertionItem).min(1).max(500)).describe(
        'an array of {type, params, description, repo?} (or a string holding one); per-type params: get_assertion_types',
      ),
    }),
    request: (a) => ({
      method: 'POST',
      path: path`/api/models/${a.model_id}/controls/${a.control_id}/assertions`,
      body: { assertions: a.assertions_json },
    }),
    summary: (
      r: {
        assertions: Assertion[]
        unchanged_ids: string[]
        coherence_warnings: { assertion_id: string; verdict: string; reason: string }[]
        sufficiency: { status: string; missing_aspects?: string[] } | null
        evaluation_pending: boolean
      },
      a,
    ) => {
      const missing = r.sufficiency?.missing_aspects?.length
        ? ` (missing: ${r.sufficiency.missing_aspects.join('; ')})`
        : ''
      return (
        `Created ${r.assertions.length} assertion(s)${r.assertions.length ? ` (${r.assertions.map((x) => x.id).join(', ')})` : ''}, ` +
        `${r.unchanged_ids.length} unchanged. Coherence warnings: ${listOf(r.coherence_warnings, (w) => `${w.assertion_id} ${w.verdict}: ${w.reason}`, 'none')}. ` +
        `Sufficiency of ${a.control_id}: ${r.sufficiency?.status ?? 'not evaluated'}${missing}` +
        `${r.evaluation_pending ? '; evaluation pending, poll get_sufficiency' : ''}. ` +
        `Check locally: ${verifyLines(a.assertions_json as AssertionItem[]).join('; ')}. ` +
        'When sufficient, mark the control implemented with update_control_status.'
      )
    },
  }),
  tool({
    name: 'list_assertions',
    description: "List a model's assertions with their evaluation (passing, failing, incoherent, awaiting).",
    input: z.strictObject({
      model_id: modelId,
      control_id: controlId.optional(),
      repo: repo.optional(),
      include_deleted: z.boolean().optional(),
      limit,
      cursor,
    }),
    request: ({ model_id, ...query }) => ({ method: 'GET', path: path`/api/models/${model_id}/assertions`, query }),
    summary: (r: Page<Assertion & { control_id: string }>) =>
      `${r.items.length} assertion(s): ${listOf(r.items, (x) => `${x.id} ${x.control_id} ${x.type} ${x.evaluation} "${x.description}"`, 'none')}.${more(r)}`,
  }),
  tool({
    name: 'delete_assertion',
    description:
      'Delete an assertion that no longer fits (the last one of an implemented control cannot go: submit its ' +
      'replacement first).',
    input: z.strictObject({
      model_id: modelId,
      assertion_id: assertionId,
      control_id: controlId.optional().describe('checked: the assertion must belong to it'),
      reason: z.string().optional(),
    }),
    request: (a) => ({
      method: 'DELETE',
      path: a.control_id
        ? path`/api/models/${a.model_id}/controls/${a.control_id}/assertions/${a.assertion_id}`
        : path`/api/models/${a.model_id}/assertions/${a.assertion_id}`,
      query: { reason: a.reason },
    }),
    result: (answer) => ({ deleted: true, assertion_id: (parseResponse(answer.body) as { id: string }).id }),
    summary: (r: { assertion_id: string }) => `Deleted assertion ${r.assertion_id}.`,
  }),
  tool({
    name: 'get_verification_report',
    description:
      'The verification report: how many controls CI results prove, per control why not, drift and repos. ' +
      'Read it after CI ran; summary_only (default true) leaves out the per-assertion detail.',
    input: z.strictObject({
      model_id: modelId,
      status: z.enum(VERIFICATION_STATUSES).optional(),
      repo: repo.optional(),
      summary_only: z.boolean().default(true),
      limit,
      cursor,
    }),
    request: ({ model_id, ...query }) => ({
      method: 'GET',
      path: path`/api/models/${model_id}/verification/report`,
      query,
    }),
    summary: (r: Report) => {
      const t1 = r.assertions.tier1
      const attention = r.control_details.filter((c) => c.verification_status !== 'verified')
      return (
        `${r.controls_verified}/${r.controls_total} controls verified, ${r.controls_partially_verified} partially verified, ` +
        `${r.controls_pending} pending, ${r.controls_unverified} unverified; ${r.controls_implemented} implemented. ` +
        `Tier 1: ${t1.pass} pass, ${t1.fail} fail, ${t1.error} error, ${t1.pending} pending. Open drift: ${r.drift.open}. ` +
        `Needing attention: ${listOf(attention, (c) => `${c.control_id} ${c.verification_status}${c.status_reasons.length ? ` (${c.status_reasons.join(', ')})` : ''}`, 'none')}.${more(r)}`
      )
    },
  }),
  tool({
    name: 'get_sufficiency',
    description: "Whether a control's assertions together are judged sufficient, with the missing aspects.",
    input: z.strictObject({ model_id: modelId, control_id: controlId }),
    request: (a) => ({ method: 'GET', path: path`/api/models/${a.model_id}/controls/${a.control_id}/sufficiency` }),
    summary: (r: { current: Judgement | null; history: unknown[] }, a) =>
      r.current
        ? `Sufficiency of ${a.control_id}: ${r.current.status} (${r.current.method ?? 'no method yet'})${r.current.missing_aspects?.length ? `; missing: ${r.current.missing_aspects.join('; ')}` : ''}.`
        : `${a.control_id} has no sufficiency evaluation yet: submit assertions first.`,
  }),
  tool({
    name: 'get_coherence',
    description: "Whether an assertion fits its control's intent, with the verdict's history.",
    input: z.strictObject({ model_id: modelId, assertion_id: assertionId }),
    request: (a) => ({ method: 'GET', path: path`/api/models/${a.model_id}/assertions/${a.assertion_id}/coherence` }),
    summary: (r: { current: Judgement | null; history: unknown[] }, a) =>
      r.current
        ? `Coherence of ${a.assertion_id}: ${r.current.verdict} (${r.current.method}): ${r.current.reason}.`
        : `${a.assertion_id} has no coherence verdict for the control's current revision yet.`,
  }),
  tool({
    name: 'get_scan_prompt',
    description:
      'The scan prompt for finding gaps: without control_id, one per control not marked implemented; with ' +
      'control_id, that control whatever its status. Follow it, then file what is missing with submit_findings.',
    input: z.strictObject({ model_id: modelId, control_id: controlId.optional() }),
    request: (a) => ({
      method: 'GET',
      path: path`/api/models/${a.model_id}/controls/scan-prompt`,
      query: { control_id: a.control_id },
    }),
    summary: (r: { items: unknown[]; message: string }) => r.message,
  }),
  tool({
    name: 'get_tier2_prompt',
    description:
      "The Tier 2 prompt of an assertion: the question a model or a reviewer answers about the code, rendered for the control's current revision.",
    input: z.strictObject({ model_id: modelId, assertion_id: assertionId }),
    request: (a) => ({
      method: 'GET',
      path: path`/api/models/${a.model_id}/assertions/${a.assertion_id}/tier2-prompt`,
    }),
    summary: (r: { prompt_hash: string; control_revision: number }, a) =>
      `Tier 2 prompt of ${a.assertion_id} for control revision ${r.control_revision} (${r.prompt_hash}).`,
  }),
  tool({
    name: 'submit_findings',
    description:
      'Record gaps you found: a control the code does not implement, with where you looked and what evidence ' +
      'would prove it.',
    input: z.strictObject({
      model_id: modelId,
      findings_json: arrayParam(z.array(findingItem).min(1).max(100)).describe(
        'an array of findings (or a string holding one)',
      ),
    }),
    request: (a) => ({
      method: 'POST',
      path: path`/api/models/${a.model_id}/findings`,
      body: { findings: a.findings_json },
    }),
    summary: (r: { items: Finding[]; snippets_withheld: number }) =>
      `Recorded ${r.items.length} finding(s): ${listOf(r.items, findingLine, 'none')}. ` +
      `${r.snippets_withheld} snippet(s) kept only as digests. Fix the code, then update_finding to remediated with the assertions that prove the fix.`,
  }),
  tool({
    name: 'list_findings',
    description: "List a model's findings, newest first.",
    input: z.strictObject({
      model_id: modelId,
      control_id: controlId.optional(),
      status: z.enum(FINDING_STATUSES).optional(),
      severity: z.enum(SEVERITIES).optional(),
      limit,
      cursor,
    }),
    request: ({ model_id, ...query }) => ({ method: 'GET', path: path`/api/models/${model_id}/findings`, query }),
    summary: (r: Page<Finding>) => `${r.items.length} finding(s): ${listOf(r.items, findingLine, 'none')}.${more(r)}`,
  }),
  tool({
    name: 'update_finding',
    description:
      'Move a finding through its lifecycle: acknowledged, then remediated with remediation_assertion_ids (the ' +
      'assertions proving the fix; it becomes verified when CI passes them), or dismissed with a reason.',
    input: z.strictObject({
      model_id: modelId,
      finding_id: z.string().max(40),
      status: findingPatch.shape.status.describe('acknowledged, remediated or dismissed (verified is computed)'),
      notes: findingPatch.shape.notes,
      reason: findingPatch.shape.reason.describe('required to dismiss, at least 20 bytes'),
      remediation_assertion_ids: idList('assertions to link').optional(),
      unlink_assertion_ids: idList('assertions to unlink').optional(),
    }),
    request: ({ model_id, finding_id, remediation_assertion_ids, ...body }) => ({
      method: 'PATCH',
      path: path`/api/models/${model_id}/findings/${finding_id}`,
      body: { ...body, link_assertion_ids: remediation_assertion_ids },
    }),
    summary: (r: Finding) =>
      `${findingLine(r)}; linked assertions: ${r.remediation_assertion_ids.join(', ') || 'none'}.`,
  }),
  tool({
    name: 'get_review_queue',
    description:
      'What waits for people: controls to review, Tier 2 verdicts, sign-offs, refinements. Visit it regularly.',
    input: z.strictObject({ model_id: modelId.optional(), kind: z.enum(REVIEW_ITEM_KINDS).optional(), limit, cursor }),
    request: (query) => ({ method: 'GET', path: '/api/review-queue', query }),
    summary: (r: Page<{ kind: string; control_id: string; reasons: string[] }> & { counts_by_kind: object }) =>
      `${r.items.length} item(s) waiting (${Object.entries(r.counts_by_kind)
        .map(([k, n]) => `${k} ${n}`)
        .join(
          ', ',
        )}): ${listOf(r.items, (i) => `${i.kind} ${i.control_id}${i.reasons.length ? ` (${i.reasons.join(', ')})` : ''}`, 'none')}.${more(r)}`,
  }),
  tool({
    name: 'list_drift',
    description: 'Drift: assertions whose result changed from pass since the last run (default: open ones).',
    input: z.strictObject({
      model_id: modelId,
      status: z.enum(['open', 'resolved', 'all']).optional(),
      control_id: controlId.optional(),
      objective_id: z.string().max(40).optional(),
      repo: repo.optional(),
      limit,
      cursor,
    }),
    request: ({ model_id, ...query }) => ({ method: 'GET', path: path`/api/models/${model_id}/drift`, query }),
    summary: (
      r: Page<{ id: string; control_id: string; assertion_id: string; previous_result: string; new_result: string }>,
    ) =>
      `${r.items.length} drift event(s): ${listOf(r.items, (d) => `${d.id} ${d.control_id} ${d.assertion_id} ${d.previous_result} → ${d.new_result}`, 'none')}.${more(r)}`,
  }),
  tool({
    name: 'list_runs',
    description: 'CI verification runs of a model, newest first.',
    input: z.strictObject({ model_id: modelId, repo: repo.optional(), limit, cursor }),
    request: ({ model_id, ...query }) => ({
      method: 'GET',
      path: path`/api/models/${model_id}/verification/runs`,
      query,
    }),
    summary: (r: Page<Run>) => `${r.items.length} run(s): ${listOf(r.items, runLine, 'none')}.${more(r)}`,
  }),
  tool({
    name: 'get_run',
    description: 'One CI verification run with its attestation and counts.',
    input: z.strictObject({ model_id: modelId, run_id: z.string().max(40) }),
    request: (a) => ({ method: 'GET', path: path`/api/models/${a.model_id}/verification/runs/${a.run_id}` }),
    summary: (r: Run) => `Run ${runLine(r)}.`,
  }),
]
