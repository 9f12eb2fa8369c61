/** C-family definitions: the functions and types of a file, deduplicated and in source order. */

import type { TextIndex } from '../../checkout/text.js'
import { bracedFunctions, keywordFunctions } from './c-family-functions.js'
import type { CScan, Dialect } from './c-family-scan.js'
import { cTypes, keywordTypes, objcTypes } from './c-family-types.js'
import type { LexicalDefinition } from './definitions.js'

export function cFamilyDefinitions(scan: CScan, dialect: Dialect, index: TextIndex): LexicalDefinition[] {
  const functions =
    dialect === 'swift' || dialect === 'scala'
      ? keywordFunctions(scan, dialect)
      : dialect === 'groovy'
        ? [...bracedFunctions(scan, dialect, index), ...keywordFunctions(scan, dialect)]
        : bracedFunctions(scan, dialect, index)
  const types =
    // `.h` headers are shared by C, C++ and Objective-C: the `@interface` forms cannot be anything else.
    dialect === 'c' || dialect === 'objc'
      ? [...cTypes(scan.code), ...objcTypes(scan.code)]
      : keywordTypes(scan.code, dialect)
  const seen = new Set<string>()
  return [...functions, ...types]
    .filter((d) => {
      const key = `${d.kind}:${d.nameStart}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .sort((a, b) => a.nameStart - b.nameStart)
}
