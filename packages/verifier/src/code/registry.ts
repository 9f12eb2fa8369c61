import { analyzeCSharp } from './csharp.js'
import type { LanguageId } from './facts.js'
import { analyzeGo } from './go.js'
import { analyzeJava } from './java.js'
import { analyzeJavaScript } from './javascript.js'
import { analyzeKotlin } from './kotlin.js'
import { analyzeLexical } from './lexical/index.js'
import { analyzePhp } from './php.js'
import { analyzePython } from './python.js'
import { analyzeRuby } from './ruby.js'
import { analyzeRust } from './rust.js'
import type { Analyzer } from './source.js'

export const ANALYZERS: Record<LanguageId, Analyzer> = {
  python: analyzePython,
  javascript: analyzeJavaScript,
  typescript: analyzeJavaScript,
  tsx: analyzeJavaScript,
  go: analyzeGo,
  java: analyzeJava,
  kotlin: analyzeKotlin,
  csharp: analyzeCSharp,
  ruby: analyzeRuby,
  php: analyzePhp,
  rust: analyzeRust,
  'c-family': analyzeLexical,
  shell: analyzeLexical,
  dockerfile: analyzeLexical,
  dotenv: analyzeLexical,
  yaml: analyzeLexical,
  'server-config': analyzeLexical,
}
