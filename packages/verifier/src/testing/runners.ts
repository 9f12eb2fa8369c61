import { join } from 'node:path'
import { splitCommand } from './command-words.js'
import { longestLiteralRun } from './name-glob.js'
import type { Project } from './project.js'
import {
  type ReportReader,
  readCargoOutput,
  readGoJson,
  readJestJson,
  readJUnit,
  readNodeJUnit,
  readRspecJson,
  readTrx,
  readVitestJUnit,
} from './runner-reports.js'

/** The detected runners of ASSERTIONS.md §3.6 in table order; the first that applies is used. */

export type Language = 'python' | 'javascript' | 'go' | 'rust' | 'jvm' | 'ruby' | 'php' | 'dotnet'

const EXTENSIONS: Record<string, Language> = {
  py: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'javascript',
  mts: 'javascript',
  cts: 'javascript',
  tsx: 'javascript',
  go: 'go',
  rs: 'rust',
  java: 'jvm',
  kt: 'jvm',
  kts: 'jvm',
  groovy: 'jvm',
  scala: 'jvm',
  rb: 'ruby',
  php: 'php',
  cs: 'dotnet',
  fs: 'dotnet',
  vb: 'dotnet',
}

export function languageOf(rel: string): Language | undefined {
  const base = rel.slice(rel.lastIndexOf('/') + 1)
  return base.includes('.') ? EXTENSIONS[base.slice(base.lastIndexOf('.') + 1)] : undefined
}

/** Where the report of a run is found. */
export type ReportLocation =
  | { kind: 'file'; path: string }
  | { kind: 'stdout'; name: string }
  | { kind: 'dir'; dir: string; extension: string }
  | { kind: 'project'; under: RegExp }

export interface RunPlan {
  runner: string
  argv: string[]
  report: ReportLocation
  read: ReportReader
}

export interface Selection {
  /** Project-relative test files of the runner's language; undefined runs the whole suite. */
  files: string[] | undefined
  testName: string | undefined
  reportDir: string
}

interface Runner {
  name: string
  language: Language
  detect(p: Project): Promise<boolean>
  plan(p: Project, s: Selection): Promise<RunPlan | { error: string }>
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** A runner filter: text every matching test name contains (never one that looks like an option). */
function filterText(testName: string | undefined, allowed: RegExp): string | undefined {
  if (testName === undefined) return undefined
  const run = longestLiteralRun(testName, allowed)
  return run === '' || run.startsWith('-') ? undefined : run
}

/** A file argument that cannot be read as an option. */
const fileArg = (rel: string) => (rel.startsWith('-') ? `./${rel}` : rel)
const fileArgs = (s: Selection) => (s.files ?? []).map(fileArg)

async function localBin(p: Project, rel: string, fallback: string): Promise<string> {
  return (await p.has(rel)) ? join(p.root, ...rel.split('/')) : fallback
}

async function installedBin(p: Project, tool: string): Promise<string | { error: string }> {
  const rel = `node_modules/.bin/${tool}`
  return (await p.has(rel))
    ? join(p.root, 'node_modules', '.bin', tool)
    : { error: `${tool} is not installed (${rel} not found)` }
}

/** The arguments of the package.json test script after `node --test`, when it is a plain command. */
async function nodeScriptArgs(p: Project): Promise<string[]> {
  const script = (await p.testScript()) ?? ''
  if (/[&|;<>`$()]/.test(script)) return []
  const words = splitCommand(script)
  return words.ok ? words.words.slice(2).filter((w) => !w.startsWith('-')) : []
}

const PYTEST_RESERVED = new Set(['and', 'or', 'not'])

const RUNNERS: readonly Runner[] = [
  {
    name: 'pytest',
    language: 'python',
    async detect(p) {
      if ((await p.has('pytest.ini')) || (await p.has('conftest.py'))) return true
      if ((await p.text('pyproject.toml'))?.includes('[tool.pytest.ini_options]')) return true
      return (await p.text('setup.cfg'))?.includes('[tool:pytest]') ?? false
    },
    async plan(_p, s) {
      const path = join(s.reportDir, 'junit.xml')
      const k = filterText(s.testName, /[A-Za-z0-9_]/)
      const filter = k && !PYTEST_RESERVED.has(k) ? ['-k', k] : []
      const argv = ['pytest', `--junitxml=${path}`, '-p', 'no:cacheprovider', ...filter, ...fileArgs(s)]
      return { runner: 'pytest', argv, report: { kind: 'file', path }, read: readJUnit }
    },
  },
  {
    name: 'vitest',
    language: 'javascript',
    detect: (p) => p.npmDependency('vitest'),
    async plan(p, s) {
      const bin = await installedBin(p, 'vitest')
      if (typeof bin !== 'string') return bin
      const path = join(s.reportDir, 'junit.xml')
      const t = filterText(s.testName, /[\s\S]/)
      const argv = [
        bin,
        'run',
        '--reporter=junit',
        `--outputFile=${path}`,
        ...(t ? ['-t', escapeRegex(t)] : []),
        ...fileArgs(s),
      ]
      return { runner: 'vitest', argv, report: { kind: 'file', path }, read: readVitestJUnit }
    },
  },
  {
    name: 'jest',
    language: 'javascript',
    detect: (p) => p.npmDependency('jest'),
    async plan(p, s) {
      const bin = await installedBin(p, 'jest')
      if (typeof bin !== 'string') return bin
      const path = join(s.reportDir, 'jest.json')
      const t = filterText(s.testName, /[\s\S]/)
      const argv = [bin, '--ci', '--json', `--outputFile=${path}`, ...(t ? ['-t', escapeRegex(t)] : []), ...fileArgs(s)]
      return { runner: 'jest', argv, report: { kind: 'file', path }, read: readJestJson }
    },
  },
  {
    name: 'node --test',
    language: 'javascript',
    detect: async (p) => /^node\s+--test(?:\s|$)/.test((await p.testScript()) ?? ''),
    async plan(p, s) {
      const path = join(s.reportDir, 'junit.xml')
      // node matches the pattern against each test's and each suite's own title, so the text must not span titles
      const t = filterText(s.testName, /[^ ]/)
      const targets = s.files ? fileArgs(s) : await nodeScriptArgs(p)
      const argv = [
        'node',
        '--test',
        '--test-reporter=junit',
        `--test-reporter-destination=${path}`,
        ...(t ? [`--test-name-pattern=${escapeRegex(t)}`] : []),
        ...targets,
      ]
      return { runner: 'node --test', argv, report: { kind: 'file', path }, read: readNodeJUnit }
    },
  },
  {
    name: 'go test',
    language: 'go',
    detect: (p) => p.has('go.mod'),
    async plan(_p, s) {
      const dirs = s.files
        ? [...new Set(s.files.map((f) => (f.includes('/') ? `./${f.slice(0, f.lastIndexOf('/'))}` : '.')))]
        : ['./...']
      // -run applies to top-level test names: only a literal TestX… prefix of the glob is sure to keep every match
      const prefix = /^(?:Test|Example|Fuzz|Benchmark)[A-Za-z0-9_]*/.exec(s.testName ?? '')?.[0]
      const argv = ['go', 'test', '-json', ...(prefix ? ['-run', `^${prefix}`] : []), ...dirs]
      return { runner: 'go test', argv, report: { kind: 'stdout', name: 'go-test.json' }, read: readGoJson }
    },
  },
  {
    name: 'cargo test',
    language: 'rust',
    detect: (p) => p.has('Cargo.toml'),
    async plan(_p, s) {
      const t = filterText(s.testName, /[A-Za-z0-9_:]/)
      const argv = ['cargo', 'test', '--no-fail-fast', ...(t ? [t] : [])]
      return { runner: 'cargo test', argv, report: { kind: 'stdout', name: 'cargo-test.txt' }, read: readCargoOutput }
    },
  },
  {
    name: 'Maven',
    language: 'jvm',
    detect: (p) => p.has('pom.xml'),
    async plan(p) {
      const mvn = await localBin(p, 'mvnw', 'mvn')
      const argv = [mvn, '-B', 'test', '-Dmaven.test.failure.ignore=true']
      return {
        runner: 'Maven',
        argv,
        report: { kind: 'project', under: /(?:^|\/)target\/surefire-reports\/[^/]+\.xml$/ },
        read: readJUnit,
      }
    },
  },
  {
    name: 'Gradle',
    language: 'jvm',
    detect: async (p) => (await p.has('build.gradle')) || (await p.has('build.gradle.kts')),
    async plan(p, s) {
      const gradle = await localBin(p, 'gradlew', 'gradle')
      const t = filterText(s.testName, /[A-Za-z0-9_.]/)
      const argv = [gradle, 'test', '--continue', ...(t ? ['--tests', `*${t}*`] : [])]
      return {
        runner: 'Gradle',
        argv,
        report: { kind: 'project', under: /(?:^|\/)build\/test-results\/.+\.xml$/ },
        read: readJUnit,
      }
    },
  },
  {
    name: 'RSpec',
    language: 'ruby',
    detect: async (p) => (await p.has('.rspec')) || /\brspec\b/.test((await p.text('Gemfile')) ?? ''),
    async plan(p, s) {
      const path = join(s.reportDir, 'rspec.json')
      const rspec = (await p.has('Gemfile')) ? ['bundle', 'exec', 'rspec'] : ['rspec']
      const t = filterText(s.testName, /[\s\S]/)
      const argv = [...rspec, '--format', 'json', '--out', path, ...(t ? ['-e', t] : []), ...fileArgs(s)]
      return { runner: 'RSpec', argv, report: { kind: 'file', path }, read: readRspecJson }
    },
  },
  {
    name: 'PHPUnit',
    language: 'php',
    async detect(p) {
      if ((await p.has('phpunit.xml')) || (await p.has('phpunit.xml.dist'))) return true
      return (await p.text('composer.json'))?.includes('"phpunit/phpunit"') ?? false
    },
    async plan(p, s) {
      const path = join(s.reportDir, 'junit.xml')
      const phpunit = await localBin(p, 'vendor/bin/phpunit', 'phpunit')
      const t = filterText(s.testName, /[A-Za-z0-9_]/)
      const argv = [phpunit, '--log-junit', path, ...(t ? ['--filter', t] : []), ...fileArgs(s)]
      return { runner: 'PHPUnit', argv, report: { kind: 'file', path }, read: readJUnit }
    },
  },
  {
    name: 'dotnet test',
    language: 'dotnet',
    detect: async (p) => (await p.rootNames()).some((n) => n.endsWith('.sln') || n.endsWith('.csproj')),
    async plan(_p, s) {
      const t = filterText(s.testName, /[A-Za-z0-9_.]/)
      const argv = [
        'dotnet',
        'test',
        '--logger',
        'trx',
        '--results-directory',
        s.reportDir,
        ...(t ? ['--filter', `FullyQualifiedName~${t}`] : []),
      ]
      return {
        runner: 'dotnet test',
        argv,
        report: { kind: 'dir', dir: s.reportDir, extension: '.trx' },
        read: readTrx,
      }
    },
  },
]

/** The first runner that applies, among those of the given languages (all languages when undefined). */
export async function detectRunner(
  p: Project,
  languages: ReadonlySet<Language> | undefined,
): Promise<Runner | undefined> {
  for (const runner of RUNNERS) {
    if (languages && !languages.has(runner.language)) continue
    if (await runner.detect(p)) return runner
  }
  return undefined
}

export type { Runner }
