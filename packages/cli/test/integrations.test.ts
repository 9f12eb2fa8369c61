import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const dir = (p: string) => fileURLToPath(new URL(`../../../integrations/${p}`, import.meta.url))
const bin = mkdtempSync(join(tmpdir(), 'warrant-integrations-'))
afterAll(() => rmSync(bin, { recursive: true, force: true }))
// A stand-in for npx on PATH that records its arguments: the recipes' own logic is what is under test.
writeFileSync(join(bin, 'npx'), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${bin}/args"\n`)
chmodSync(join(bin, 'npx'), 0o755)
const recorded = () => readFileSync(join(bin, 'args'), 'utf8').trim().split('\n')
const run = (script: string, env: Record<string, string>) =>
  spawnSync('bash', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, encoding: 'utf8' })

/** The CI integrations: pinned versions, keys only from the environment, `warrant run` with the right flags. */
describe('CI integrations', () => {
  it('the GitHub action runs warrant run with a pinned version and refuses ranges and a missing key', () => {
    const action = parse(readFileSync(dir('github/action.yml'), 'utf8'))
    expect(action.runs.using).toBe('composite')
    expect(Object.keys(action.inputs)).not.toContain('api-key')
    const step = action.runs.steps[0]
    const env = {
      WARRANT_URL: 'https://w.example',
      INPUT_MODEL: 'mdl_1',
      INPUT_VERSION: '0.1.0',
      INPUT_ROOT: '.',
      INPUT_TIER2_PROVIDER: 'none',
      INPUT_TIER2_MODEL: '',
      INPUT_SIGNING_KEY: 'k.pem',
      INPUT_REQUIRE_ATTESTATION: 'true',
      INPUT_OUTPUT: 'github',
    }
    const ok = run(step.run, { ...env, WARRANT_API_KEY: 'wv_x' })
    expect(ok.status, ok.stdout + ok.stderr).toBe(0)
    expect(recorded()).toEqual([
      '--yes',
      '--package',
      '@warrant/cli@0.1.0',
      'warrant',
      'run',
      'mdl_1',
      '--project-root',
      '.',
      '--tier2-provider',
      'none',
      '--signing-key',
      'k.pem',
      '--require-attestation',
      '--output',
      'github',
    ])
    expect(run(step.run, { ...env, WARRANT_API_KEY: 'wv_x', INPUT_REQUIRE_ATTESTATION: 'false' }).status).toBe(0)
    expect(recorded()).not.toContain('--require-attestation')
    expect(run(step.run, { ...env, WARRANT_API_KEY: 'wv_x', INPUT_REQUIRE_ATTESTATION: 'maybe' }).status).toBe(2)
    expect(run(step.run, env).status).toBe(2)
    expect(run(step.run, { ...env, WARRANT_API_KEY: 'wv_x', INPUT_VERSION: '^0.1' }).status).toBe(2)
  })

  it('the shell recipe does the same from environment variables', () => {
    const script = `bash ${dir('shell/warrant-run.sh')}`
    const env = {
      WARRANT_URL: 'https://w.example',
      WARRANT_MODEL: 'mdl_2',
      WARRANT_VERSION: '0.1.0',
      WARRANT_TIER2_PROVIDER: 'anthropic',
      WARRANT_TIER2_MODEL: 'm',
    }
    expect(run(script, { ...env, WARRANT_API_KEY: 'wv_x' }).status).toBe(0)
    expect(recorded()).toEqual([
      '--yes',
      '--package',
      '@warrant/cli@0.1.0',
      'warrant',
      'run',
      'mdl_2',
      '--tier2-provider',
      'anthropic',
      '--tier2-model',
      'm',
      '--require-attestation',
    ])
    expect(run(script, { ...env, WARRANT_API_KEY: 'wv_x', WARRANT_REQUIRE_ATTESTATION: 'false' }).status).toBe(0)
    expect(recorded()).not.toContain('--require-attestation')
    expect(run(script, env).status).not.toBe(0)
    expect(run(script, { ...env, WARRANT_API_KEY: 'wv_x', WARRANT_VERSION: 'latest' }).status).toBe(2)
  })

  it('the GitLab job runs only on protected refs, in the protected environment, with a pinned version', () => {
    const job = parse(readFileSync(dir('gitlab/warrant.gitlab-ci.yml'), 'utf8')).warrant
    expect(job.rules).toEqual([{ if: '$CI_COMMIT_REF_PROTECTED == "true"' }])
    expect(job.environment.name).toBe('attestation')
    expect(job.id_tokens).toEqual({ SIGSTORE_ID_TOKEN: { aud: 'sigstore' } })
    const command = job.script.at(-1) as string
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, checked literally
    expect(command).toContain('--package "@warrant/cli@${WARRANT_VERSION}" warrant run "$WARRANT_MODEL"')
    expect(command).toContain('|| echo --require-attestation')
    expect(job.script.join('\n')).not.toMatch(/WARRANT_API_KEY\s*=|--api-key/)
  })
})
