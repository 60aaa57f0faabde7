/**
 * Where a sync may write and how much: a plan is text in the repository, and
 * the token may reach far more than the plan's author should steer it to.
 * Writes go only to the workflow's repository, the plan's `github_repo` and the
 * config's `repositories` (SPEC §4); a plan links at most `max_issues` issues.
 */
import type { Finding, MasterPlan, RepoRef } from './domain.js'
import { InputError } from './errors.js'
import { formatIssueRef, formatRepo, repoKey } from './issue-ref.js'

export interface WriteScope {
  /** `GITHUB_REPOSITORY`. */
  readonly workflowRepo: RepoRef
  /** The config's `repositories`. */
  readonly repositories: readonly RepoRef[]
  /** The config file, as messages name it. */
  readonly configPath: string
}

/** The repositories a sync of this plan may write to: the workflow's, the plan's github_repo, `repositories`. */
export function writableRepos(plan: MasterPlan, scope: Omit<WriteScope, 'configPath'>): RepoRef[] {
  return [scope.workflowRepo, plan.repo, ...scope.repositories]
}

/**
 * The plan with only the refs the action may write to. Each skipped ref is
 * named in one warning, with the key that would allow its repository.
 */
export function limitToWritableRepos(
  plan: MasterPlan,
  scope: WriteScope
): { plan: MasterPlan; findings: Finding[] } {
  const allowed = writableRepos(plan, scope)
  const keys = new Set(allowed.map(repoKey))
  const kept = plan.issues.filter((ref) => keys.has(repoKey(ref)))
  if (kept.length === plan.issues.length) return { plan, findings: [] }
  const skipped = plan.issues.filter((ref) => !keys.has(repoKey(ref)))
  const names = [...new Map(allowed.map((repo) => [repoKey(repo), formatRepo(repo)])).values()]
  return {
    plan: { ...plan, issues: kept },
    findings: [
      {
        level: 'warning',
        message: `Skipped ${skipped.map(formatIssueRef).join(', ')}: the action writes only to ${names.join(', ')} (the workflow's repository, the plan's github_repo and github.repositories in ${scope.configPath}). Add a repository to github.repositories to sync its issues.`
      }
    ]
  }
}

/** A plan that links more than `maxIssues` issues fails the step before any request. */
export function checkIssueCount(
  plan: MasterPlan,
  maxIssues: number,
  configPath: string,
  planField: string
): void {
  const count = plan.issues.length
  if (count <= maxIssues) return
  throw new InputError(
    planField,
    `the plan ${plan.path} links ${count} issues; at most ${maxIssues} may be linked`,
    `Link fewer issues, or raise github.max_issues in ${configPath} to ${count} or more`
  )
}

/**
 * Both bounds, as the sync applies them before anything is read from GitHub
 * and the CLI's `check` shows them: too many issues fail, refs to other
 * repositories are dropped with a warning.
 */
export function scopePlan(
  plan: MasterPlan,
  limits: { readonly maxIssues: number; readonly repositories: readonly RepoRef[] },
  workflowRepo: RepoRef,
  configPath: string,
  planField: string
): { plan: MasterPlan; findings: Finding[] } {
  checkIssueCount(plan, limits.maxIssues, configPath, planField)
  return limitToWritableRepos(plan, {
    workflowRepo,
    repositories: limits.repositories,
    configPath
  })
}
