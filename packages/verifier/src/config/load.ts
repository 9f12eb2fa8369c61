import { isProblem, type TextFile } from '../checkout/checkout.js'
import { normalizePath } from '../checkout/paths.js'
import type { TextIndex } from '../checkout/text.js'
import { type EvalContext, error, fromProblem, type Outcome } from '../engine/outcome.js'
import { parseDotenv } from './dotenv.js'
import { type ConfigFormat, formatOf } from './format.js'
import { parseIni } from './ini.js'
import { parseJson } from './json.js'
import type { ParseResult } from './model.js'
import { parseProperties } from './properties.js'
import { parseToml } from './toml.js'
import { parseXml } from './xml.js'
import { parseYaml } from './yaml.js'

const PARSERS: Record<ConfigFormat, (text: string, index: TextIndex) => ParseResult> = {
  json: parseJson,
  yaml: parseYaml,
  toml: parseToml,
  ini: parseIni,
  dotenv: parseDotenv,
  properties: parseProperties,
  xml: parseXml,
}

export interface LoadedConfig {
  ok: true
  rel: string
  format: ConfigFormat
  file: TextFile
  documents: Extract<ParseResult, { ok: true }>
}

/**
 * Reads and parses a configuration file once per run (ASSERTIONS.md §3.8). Anything that stops the evaluation
 * comes back as the outcome to return: path errors, an unsupported name, a missing or unreadable file, a parse error.
 */
export async function loadConfig(
  ctx: EvalContext,
  path: string,
): Promise<LoadedConfig | { ok: false; outcome: Outcome }> {
  const n = normalizePath(path)
  if (!n.ok) return { ok: false, outcome: error(n.message) }
  const format = formatOf(n.rel)
  if (!format) return { ok: false, outcome: error(`unsupported config format: ${n.rel}`) }
  const file = await ctx.checkout.openText(path)
  if (isProblem(file)) return { ok: false, outcome: fromProblem(file) }
  const rel = file.rel
  const result = await ctx.checkout.derive(`config:${rel}`, async () => parseOnce(format, file))
  if (!result.ok) {
    const line = Math.min(Math.max(result.line, 1), file.index.lineStarts.length)
    return {
      ok: false,
      outcome: error(`cannot parse ${rel} at line ${line}: ${oneLine(result.reason)}`, {
        examined: [rel],
        locations: [{ file: rel, line, snippet: file.index.snippet(line) }],
      }),
    }
  }
  return { ok: true, rel, format, file, documents: result }
}

function parseOnce(format: ConfigFormat, file: TextFile): ParseResult {
  try {
    return PARSERS[format](file.text, file.index)
  } catch (e) {
    // The parsing libraries may throw on hostile input (nesting depth, stack exhaustion): the file does not parse.
    if (e instanceof RangeError) return { ok: false, line: 1, reason: e.message }
    throw e
  }
}

/** A parser's message as one line of at most 200 characters (it may quote file content). */
function oneLine(reason: string): string {
  const flat = reason.replace(/\r?\n/g, ' ').trim()
  return flat.length <= 200 ? flat : `${flat.slice(0, 199)}…`
}
