import type { OutputFormat, RenderInput } from './format.js'
import { renderGithub } from './github.js'
import { renderJson } from './json.js'
import { renderJunit } from './junit.js'
import { renderSarif } from './sarif.js'
import { renderText } from './text.js'

export { type AssertionSource, OUTPUT_FORMATS, type OutputFormat, type RenderInput } from './format.js'

const RENDERERS: Record<OutputFormat, (input: RenderInput) => string> = {
  text: renderText,
  json: renderJson,
  sarif: renderSarif,
  junit: renderJunit,
  github: renderGithub,
}

export const render = (format: OutputFormat, input: RenderInput) => RENDERERS[format](input)
