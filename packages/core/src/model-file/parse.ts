import { type ReadDocument, readJson, readYaml } from './read.js'
import { checkModelFile, type SchemaError } from './schema.js'
import type { ExistingModel, ModelFile, ModelFileError } from './types.js'

/**
 * Parses and validates a model file (PLATFORM.md §8). Every error is reported, each with the JSON Pointer of the
 * offending member and its line and column; the API answers them together as `422 import_invalid`.
 * `existing` is for update imports: references to the stored model's entities resolve.
 */
export function parseModelFile(
  text: string,
  format: 'yaml' | 'json',
  opts: { existing?: ExistingModel } = {},
): { ok: true; file: ModelFile } | { ok: false; errors: ModelFileError[] } {
  const read = format === 'json' ? readJson(text) : readYaml(text)
  if (!read.ok) return read
  const checked = checkModelFile(read.doc.value, opts.existing)
  if (checked.ok) return checked
  const errors = checked.errors.map((e) => ({ ...e, ...positionOf(read.doc, e) }))
  // Document order; errors at the same place keep the order they were found in.
  errors.sort((a, b) => a.line - b.line || a.column - b.column)
  return { ok: false, errors }
}

/** The position of the error's member, or of its closest ancestor in the file when the member is missing. */
function positionOf(doc: ReadDocument, error: SchemaError): { line: number; column: number } {
  let pointer = error.path
  let offset = doc.offsets.get(pointer)
  while (offset === undefined && pointer !== '') {
    pointer = pointer.slice(0, pointer.lastIndexOf('/'))
    offset = doc.offsets.get(pointer)
  }
  return doc.locate(offset ?? 0)
}
