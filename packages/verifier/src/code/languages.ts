import { basename } from 'node:path'
import csharp from '@ast-grep/lang-csharp'
import go from '@ast-grep/lang-go'
import java from '@ast-grep/lang-java'
import kotlin from '@ast-grep/lang-kotlin'
import php from '@ast-grep/lang-php'
import python from '@ast-grep/lang-python'
import ruby from '@ast-grep/lang-ruby'
import rust from '@ast-grep/lang-rust'
import { Lang, parseAsync, registerDynamicLanguage, type SgRoot } from '@ast-grep/napi'
import type { LanguageId } from './facts.js'

let registered = false
function ensureRegistered(): void {
  if (!registered) {
    registerDynamicLanguage({ python, go, java, kotlin, csharp, ruby, php, rust })
    registered = true
  }
}

const BY_EXTENSION: Record<string, LanguageId> = {
  '.py': 'python',
  '.pyi': 'python',
  '.pyw': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.go': 'go',
  '.java': 'java',
  '.kt': 'kotlin',
  '.kts': 'kotlin',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.rake': 'ruby',
  '.gemspec': 'ruby',
  '.php': 'php',
  '.phtml': 'php',
  '.rs': 'rust',
  '.c': 'c-family',
  '.h': 'c-family',
  '.cc': 'c-family',
  '.cpp': 'c-family',
  '.cxx': 'c-family',
  '.hpp': 'c-family',
  '.hh': 'c-family',
  '.hxx': 'c-family',
  '.m': 'c-family',
  '.mm': 'c-family',
  '.swift': 'c-family',
  '.scala': 'c-family',
  '.sc': 'c-family',
  '.dart': 'c-family',
  '.groovy': 'c-family',
  '.sh': 'shell',
  '.bash': 'shell',
  '.zsh': 'shell',
  '.dockerfile': 'dockerfile',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.conf': 'server-config',
  '.htaccess': 'server-config',
  '.env': 'dotenv',
}

/** The language of a file, by its extension or name only (§2.5); undefined when no analyzer reads it. */
export function languageOf(rel: string): LanguageId | undefined {
  const name = basename(rel)
  if (name === 'Rakefile' || name === 'Gemfile') return 'ruby'
  if (name === 'Dockerfile' || name.startsWith('Dockerfile.') || name === 'Containerfile') return 'dockerfile'
  if (name === '.env' || name.startsWith('.env.')) return 'dotenv'
  if (name === '.htaccess') return 'server-config'
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return undefined
  return BY_EXTENSION[name.slice(dot)]
}

/** The C family's languages, as far as the lexical rules differ between them. */
export function cFamilyDialect(rel: string): 'c' | 'objc' | 'swift' | 'scala' | 'dart' | 'groovy' {
  const ext = rel.slice(rel.lastIndexOf('.'))
  if (ext === '.m' || ext === '.mm') return 'objc'
  if (ext === '.swift') return 'swift'
  if (ext === '.scala' || ext === '.sc') return 'scala'
  if (ext === '.dart') return 'dart'
  if (ext === '.groovy') return 'groovy'
  return 'c'
}

export const TREE_LANGUAGES: ReadonlySet<LanguageId> = new Set([
  'python',
  'javascript',
  'typescript',
  'tsx',
  'go',
  'java',
  'kotlin',
  'csharp',
  'ruby',
  'php',
  'rust',
])

const AST_GREP_LANG: Partial<Record<LanguageId, string>> = {
  javascript: Lang.JavaScript,
  typescript: Lang.TypeScript,
  tsx: Lang.Tsx,
  python: 'python',
  go: 'go',
  java: 'java',
  kotlin: 'kotlin',
  csharp: 'csharp',
  ruby: 'ruby',
  php: 'php',
  rust: 'rust',
}

/** Parses source text with tree-sitter off the main thread (ast-grep's async parse runs on libuv's pool). */
export function parseTree(language: LanguageId, text: string): Promise<SgRoot> {
  ensureRegistered()
  const lang = AST_GREP_LANG[language]
  if (!lang) throw new Error(`no syntax tree for ${language}`)
  return parseAsync(lang, text)
}
