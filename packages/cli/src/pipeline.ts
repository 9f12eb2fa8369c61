import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'

/** The `pipeline` member of a results submission (EVIDENCE.md §4), read from the CI's own variables. */
export interface Pipeline {
  provider: 'github_actions' | 'gitlab_ci' | 'local'
  run_id: string
  run_attempt?: string
  run_url?: string
  commit_sha: string
  ref?: string
  repo?: string
  workflow_ref?: string
}

const git = (root: string, args: string[]): string | undefined => {
  try {
    return (
      execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      undefined
    )
  } catch {
    return undefined
  }
}

/** `owner/name` from a git remote URL (https or scp-like), lower-cased; undefined when it has no such path. */
export function repoFromRemote(url: string): string | undefined {
  const path =
    /^[\w.+-]+@[^:]+:(.+)$/.exec(url)?.[1] ?? (URL.canParse(url) ? new URL(url).pathname.slice(1) : undefined)
  const repo = path?.replace(/\.git$/, '').replace(/\/+$/, '')
  return repo && /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/.test(repo) ? repo.toLowerCase() : undefined
}

export function detectPipeline(env: NodeJS.ProcessEnv, root: string, repoFlag: string | undefined): Pipeline {
  const clean = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SHA && env.GITHUB_RUN_ID)
    return clean({
      provider: 'github_actions',
      run_id: env.GITHUB_RUN_ID,
      run_attempt: env.GITHUB_RUN_ATTEMPT,
      run_url:
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
      commit_sha: env.GITHUB_SHA.toLowerCase(),
      ref: env.GITHUB_REF,
      repo: (repoFlag ?? env.GITHUB_REPOSITORY)?.toLowerCase(),
      workflow_ref: env.GITHUB_WORKFLOW_REF,
    })
  if (env.GITLAB_CI === 'true' && env.CI_COMMIT_SHA && env.CI_PIPELINE_ID)
    return clean({
      provider: 'gitlab_ci',
      run_id: env.CI_PIPELINE_ID,
      run_url: env.CI_PIPELINE_URL,
      commit_sha: env.CI_COMMIT_SHA.toLowerCase(),
      ref: env.CI_COMMIT_REF_NAME ? `refs/heads/${env.CI_COMMIT_REF_NAME}` : undefined,
      repo: (repoFlag ?? env.CI_PROJECT_PATH)?.toLowerCase(),
    })
  const commit = git(root, ['rev-parse', 'HEAD'])
  if (!commit) throw new Error('the project root is not a git checkout with a commit, and no CI variables name one')
  const remote = git(root, ['remote', 'get-url', 'origin'])
  const branch = git(root, ['symbolic-ref', '-q', 'HEAD'])
  return clean({
    provider: 'local',
    run_id: `local-${Date.now()}-${randomBytes(4).toString('hex')}`,
    commit_sha: commit.toLowerCase(),
    ref: branch,
    repo: repoFlag?.toLowerCase() ?? (remote ? repoFromRemote(remote) : undefined),
  })
}
