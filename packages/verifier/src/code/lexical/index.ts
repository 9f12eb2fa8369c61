/** The lexical analyzer: dispatches each language without a parser to its scanner and fact finders. */

import { cFamilyDialect } from '../languages.js'
import { type Analyzer, lazyFacts } from '../source.js'
import { cFamilyDefinitions } from './c-family-definitions.js'
import { cFamilyEnvReads } from './c-family-env-reads.js'
import { cFamilyImports } from './c-family-imports.js'
import { scanCFamily } from './c-family-scan.js'
import { scanDotenv, scanYaml } from './config-files.js'
import { toDefinitions } from './definitions.js'
import { dockerfileInstructions } from './dockerfile.js'
import { dollarReferences } from './dollar-references.js'
import { scanServerConfig, serverConfigHeaders } from './server-config.js'
import { scanShell, shellFunctions } from './shell.js'

export const analyzeLexical: Analyzer = (source) => {
  const { text, index } = source
  switch (source.language) {
    case 'c-family': {
      const dialect = cFamilyDialect(source.rel)
      const scan = scanCFamily(text, dialect)
      return lazyFacts('c-family', undefined, {
        definitions: () => toDefinitions(cFamilyDefinitions(scan, dialect, index), index),
        imports: () => cFamilyImports(scan, dialect, source),
        envReads: () => cFamilyEnvReads(scan, source),
      })
    }
    case 'shell': {
      const scan = scanShell(text)
      return lazyFacts('shell', undefined, {
        definitions: () => shellFunctions(scan, index),
        envReads: () => dollarReferences(scan.code, source, true),
      })
    }
    case 'dockerfile': {
      const { code, heredocs } = scanShell(text, true)
      return lazyFacts('dockerfile', undefined, {
        envReads: () =>
          [...dockerfileInstructions(code, heredocs, source), ...dollarReferences(code, source, true)].sort(
            (a, b) => a.at.line - b.at.line || a.at.column - b.at.column,
          ),
      })
    }
    case 'dotenv': {
      const code = scanDotenv(text)
      return lazyFacts('dotenv', undefined, {
        envReads: () => dollarReferences(code, source, true),
      })
    }
    case 'yaml': {
      const code = scanYaml(text)
      return lazyFacts('yaml', undefined, {
        envReads: () => dollarReferences(code, source, false),
      })
    }
    case 'server-config': {
      const code = scanServerConfig(text)
      return lazyFacts('server-config', undefined, { headers: () => serverConfigHeaders(code, source) })
    }
    default:
      throw new Error(`no lexical analyzer for ${source.language}`)
  }
}
