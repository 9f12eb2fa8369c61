import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { IdentifiedAssertion } from '@warrant/verifier'

/** A deterministic pseudo-random sequence, so every run generates the same corpus. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

type Lang = 'py' | 'js' | 'ts' | 'go' | 'java'
const LANGS: Lang[] = ['py', 'js', 'ts', 'go', 'java']

function pyFile(i: number, fns: number): string {
  const out = ['import os', 'import json', 'from auth.tokens import verify_token', '', '']
  out.push(`class Service${i}:`)
  for (let f = 0; f < fns; f++) {
    out.push(`    def handle_${i}_${f}(self, user_id, payload):`)
    out.push('        # a comment mentioning eval( and require_auth')
    out.push('        if user_id is None:')
    out.push('            raise ValueError("user_id required")')
    out.push('        try:')
    out.push(`            data = json.loads(payload)`)
    out.push(`            token = os.environ.get("SERVICE_${i}_TOKEN")`)
    out.push('            return verify_token(token, data)')
    out.push('        except ValueError as exc:')
    out.push('            return None', '')
  }
  return `${out.join('\n')}\n`
}

function jsFile(i: number, fns: number, ts: boolean): string {
  const t = ts ? ': string' : ''
  const out = [
    "import express from 'express'",
    "import helmet from 'helmet'",
    '',
    'const app = express()',
    'app.use(helmet())',
    '',
  ]
  for (let f = 0; f < fns; f++) {
    out.push(`export async function handle${i}_${f}(req${t}, id${t}) {`)
    out.push('  // TODO: never call eval( here')
    out.push("  if (!id) throw new Error('id required')")
    out.push('  try {')
    out.push(`    const secret = process.env.SERVICE_${i}_SECRET`)
    out.push('    return validateInput(id, secret)')
    out.push('  } catch (err) {')
    out.push("    res.setHeader('X-Frame-Options', 'DENY')")
    out.push('    return null')
    out.push('  }')
    out.push('}', '')
  }
  return `${out.join('\n')}\n`
}

function goFile(i: number, fns: number): string {
  const out = [`package svc${i % 20}`, '', 'import (', '\t"errors"', '\t"os"', ')', '']
  out.push(`type Server${i} struct{ name string }`, '')
  for (let f = 0; f < fns; f++) {
    out.push(`func (s *Server${i}) Handle${f}(id string) error {`)
    out.push('\t// eval( in a comment')
    out.push(`\tv := os.Getenv("SERVER_${i}_KEY")`)
    out.push('\terr := check(id, v)')
    out.push('\tif err != nil {')
    out.push('\t\treturn errors.New("bad")')
    out.push('\t}')
    out.push('\treturn nil')
    out.push('}', '')
  }
  return `${out.join('\n')}\n`
}

function javaFile(i: number, fns: number): string {
  const out = [`package com.acme.svc${i % 20};`, '', 'import java.util.List;', 'import javax.validation.Valid;', '']
  out.push(`public class Controller${i} {`)
  for (let f = 0; f < fns; f++) {
    out.push('    @PreAuthorize("hasRole(\'ADMIN\')")')
    out.push(`    public String handle${f}(@Valid String body) {`)
    out.push('        // eval( mentioned in a comment')
    out.push('        try {')
    out.push(`            String key = System.getenv("CONTROLLER_${i}_KEY");`)
    out.push('            return Validator.check(body, key);')
    out.push('        } catch (IllegalArgumentException e) {')
    out.push('            return null;')
    out.push('        }')
    out.push('    }', '')
  }
  out.push('}')
  return `${out.join('\n')}\n`
}

const EXT: Record<Lang, string> = { py: 'py', js: 'js', ts: 'ts', go: 'go', java: 'java' }

export interface Corpus {
  files: number
  bytes: number
  assertions: IdentifiedAssertion[]
  /** The pattern-only subset, each with its rg equivalent. */
  patterns: { assertion: IdentifiedAssertion; dir: string; glob: string; regex: string }[]
}

/** Writes the corpus under `root` and returns the assertions that exercise it. */
export async function generateCorpus(root: string, fileCount = 2000, assertionCount = 5000): Promise<Corpus> {
  const rand = prng(42)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  let bytes = 0
  const write = async (rel: string, text: string) => {
    await mkdir(dirname(join(root, rel)), { recursive: true })
    await writeFile(join(root, rel), text)
    bytes += Buffer.byteLength(text)
  }
  const sources: { rel: string; lang: Lang; i: number; fns: number }[] = []
  for (let i = 0; i < fileCount; i++) {
    const lang = LANGS[i % LANGS.length]!
    const fns = 8 + Math.floor(rand() * 16)
    const rel = `src/${lang}/mod${i % 25}/file${i}.${EXT[lang]}`
    const text =
      lang === 'py'
        ? pyFile(i, fns)
        : lang === 'go'
          ? goFile(i, fns)
          : lang === 'java'
            ? javaFile(i, fns)
            : jsFile(i, fns, lang === 'ts')
    await write(rel, text)
    sources.push({ rel, lang, i, fns })
  }
  await write('package.json', JSON.stringify({ dependencies: { helmet: '^7.1.0', express: '4.19.2' } }, null, 2))
  await write('requirements.txt', 'cryptography==42.0.5\nrequests>=2.31,<3\n')
  await write('config/app.yaml', 'session:\n  max_age: 1800\n  secure: true\ncors:\n  origins: ["https://a.example"]\n')
  await write(
    'reports/junit.xml',
    '<testsuites><testsuite name="s"><testcase classname="t" name="test_auth_ok"/></testsuite></testsuites>',
  )

  const assertions: IdentifiedAssertion[] = []
  const patterns: Corpus['patterns'] = []
  const fnName = (s: (typeof sources)[number], f: number) =>
    s.lang === 'py'
      ? `handle_${s.i}_${f}`
      : s.lang === 'go'
        ? `Handle${f}`
        : s.lang === 'java'
          ? `handle${f}`
          : `handle${s.i}_${f}`
  const env = (s: (typeof sources)[number]) =>
    s.lang === 'py'
      ? `SERVICE_${s.i}_TOKEN`
      : s.lang === 'go'
        ? `SERVER_${s.i}_KEY`
        : s.lang === 'java'
          ? `CONTROLLER_${s.i}_KEY`
          : `SERVICE_${s.i}_SECRET`
  for (let n = 0; assertions.length < assertionCount; n++) {
    const s = pick(sources)
    const f = Math.floor(rand() * s.fns)
    const id = `b${n}`
    const kind = n % 14
    const file = s.rel
    const dir = `src/${s.lang}/mod${s.i % 25}`
    const glob = `${dir}/*.${EXT[s.lang]}`
    if (kind === 0) assertions.push({ id, type: 'function_exists', params: { file, name: fnName(s, f) } })
    else if (kind === 1) assertions.push({ id, type: 'function_exists', params: { glob, name: fnName(s, f) } })
    else if (kind === 2)
      assertions.push({
        id,
        type: 'function_calls',
        params: {
          file,
          caller: fnName(s, f),
          callee:
            s.lang === 'py'
              ? 'verify_token'
              : s.lang === 'go'
                ? 'check'
                : s.lang === 'java'
                  ? 'Validator.check'
                  : 'validateInput',
        },
      })
    else if (kind === 3) assertions.push({ id, type: 'error_handled', params: { file, function: fnName(s, f) } })
    else if (kind === 4) assertions.push({ id, type: 'env_var_referenced', params: { file, variable: env(s) } })
    else if (kind === 5)
      assertions.push({
        id,
        type: 'import_present',
        params: {
          file,
          module: s.lang === 'py' ? 'json' : s.lang === 'go' ? 'os' : s.lang === 'java' ? 'java.util' : 'express',
        },
      })
    else if (kind === 6)
      assertions.push({
        id,
        type: 'class_exists',
        params: {
          glob,
          name:
            s.lang === 'py'
              ? `Service${s.i}`
              : s.lang === 'go'
                ? `Server${s.i}`
                : s.lang === 'java'
                  ? `Controller${s.i}`
                  : `Missing${s.i}`,
        },
      })
    else if (kind === 7)
      assertions.push({
        id,
        type: 'parameter_validated',
        params: {
          file,
          function: fnName(s, f),
          parameter: s.lang === 'py' ? 'user_id' : s.lang === 'java' ? 'body' : 'id',
        },
      })
    else if (kind === 8 || kind === 9) {
      const regex = kind === 8 ? `SERVICE_${s.i}_[A-Z]+` : '\\beval\\s*\\('
      const a: IdentifiedAssertion = {
        id,
        type: kind === 8 ? 'pattern_matches' : 'pattern_absent',
        params: { glob, pattern: regex },
      }
      assertions.push(a)
      patterns.push({ assertion: a, dir, glob: `*.${EXT[s.lang]}`, regex })
    } else if (kind === 10) assertions.push({ id, type: 'no_plaintext_secret', params: { file } })
    else if (kind === 11)
      assertions.push({
        id,
        type: 'http_header_set',
        params: { glob: `src/js/mod${s.i % 25}/*.js`, header: 'X-Frame-Options', value: '^DENY$' },
      })
    else if (kind === 12) {
      const extra = [
        {
          type: 'dependency_version',
          params: { manifest: 'requirements.txt', package: 'cryptography', constraint: '>=42.0.4' },
        },
        { type: 'dependency_exists', params: { manifest: 'package.json', package: 'helmet' } },
        {
          type: 'config_value_matches',
          params: { file: 'config/app.yaml', key: 'session.max_age', operator: '<=', value: 3600 },
        },
        { type: 'config_key_exists', params: { file: 'config/app.yaml', key: 'cors.origins[0]' } },
        { type: 'test_passes', params: { junit: 'reports/junit.xml', test_name: 'test_auth_*' } },
        { type: 'file_hash', params: { file, expected_hash: '0'.repeat(64) } },
        { type: 'file_exists', params: { file } },
        { type: 'test_exists', params: { pattern: `${dir}/*`, test_name: 'handle*' } },
      ]
      assertions.push({ id, ...extra[n % extra.length]! })
    } else
      assertions.push({
        id,
        type: 'decorator_present',
        params: { file, function: fnName(s, f), decorator: 'PreAuthorize' },
      })
  }
  return { files: sources.length + 4, bytes, assertions, patterns }
}
