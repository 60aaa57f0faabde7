/**
 * The plan's issue with its sub-issues (issue #14, part 4), pure: which issue
 * is the plan's parent, whether it can be one, and which linked issues become
 * its sub-issues. GitHub then draws the plan's progress on the parent itself
 * (`subIssuesSummary`). reconcile.ts calls these; observe reads what they need
 * (each linked issue's `parent`, the parent's `subIssuesSummary`) in its one
 * query, and apply sends `addSubIssue` in the label batch.
 */
import type {
  Finding,
  MasterPlan,
  ObservedIssue,
  ObservedParent,
  Operation,
  ParentIssue,
  RepoRef,
  Snapshot,
  SyncConfig
} from './domain.js'
import { InputError, printable } from './errors.js'
import { formatIssueRef, formatRepo, parseIssueRef, refKey, repoKey } from './issue-ref.js'
import { writableRepos } from './write-scope.js'

/** GitHub's limit: a parent holds at most 100 sub-issues, closed ones included. */
export const MAX_SUB_ISSUES = 100

type AddSubIssue = Extract<Operation, { op: 'add_sub_issue' }>

/**
 * The plan with its parent issue resolved: the plan's own `github_parent`
 * wins (it is about this plan), else the config's `parent_issue`, whose bare
 * number is an issue of the plan's repository like the plan's bare refs. A
 * parent outside the repositories the action may write to (write-scope.ts)
 * fails here, before any request.
 */
export function withParent(
  plan: MasterPlan,
  config: Pick<SyncConfig, 'parentIssue' | 'repositories'>,
  where: {
    readonly workflowRepo: RepoRef
    readonly configPath: string
    readonly serverHost: string
  }
): MasterPlan {
  let parent = plan.parent
  if (parent === undefined && config.parentIssue !== undefined) {
    const field = `${where.configPath} github.parent_issue`
    const context = { defaultRepo: plan.repo, serverHost: where.serverHost }
    parent = { ref: parseIssueRef(String(config.parentIssue), context, field), field }
  }
  if (parent === undefined) return plan
  const allowed = writableRepos(plan, {
    workflowRepo: where.workflowRepo,
    repositories: config.repositories
  })
  if (!allowed.some((repo) => repoKey(repo) === repoKey(parent.ref))) {
    const names = [...new Map(allowed.map((r) => [repoKey(r), formatRepo(r)])).values()]
    throw new InputError(
      parent.field,
      `${formatIssueRef(parent.ref)} is in ${formatRepo(parent.ref)}, where the action may not write (it writes only to ${names.join(', ')})`,
      `Name an issue in one of those, or add ${formatRepo(parent.ref)} to github.repositories in ${where.configPath}`
    )
  }
  return plan.parent === parent ? plan : { ...plan, parent }
}

/**
 * A parent that cannot be one fails the step after the read and before any
 * write: one that does not exist (or the token cannot see), or a pull request.
 */
export function checkParent(
  parent: ParentIssue | undefined,
  observed: ObservedParent | undefined
): void {
  if (parent === undefined || observed === undefined) return
  const issue = observed.issue
  const ref = formatIssueRef(parent.ref)
  const fix = `Set it to an issue that exists (the plan's issue), or remove it to sync without a parent issue`
  if (!issue.found) {
    throw new InputError(parent.field, `${ref} could not be read (${printable(issue.reason)})`, fix)
  }
  if (issue.kind === 'pull_request') {
    throw new InputError(
      parent.field,
      `${ref} is a pull request; only an issue can have sub-issues`,
      fix
    )
  }
}

/**
 * The issues a sync labels (and closes with auto-close): the linked ones in
 * plan order, then the parent when it is not one of them.
 */
export function syncedIssues(
  snapshot: Snapshot,
  parent: ParentIssue | undefined
): readonly ObservedIssue[] {
  const observed = snapshot.parent?.issue
  if (parent === undefined || observed === undefined) return snapshot.issues
  const key = refKey(parent.ref)
  return snapshot.issues.some((issue) => refKey(issue.ref) === key)
    ? snapshot.issues
    : [...snapshot.issues, observed]
}

export interface SubIssuePlan {
  /** The add_sub_issue of each linked issue that becomes a sub-issue, by refKey. */
  readonly operations: ReadonlyMap<string, AddSubIssue>
  readonly findings: readonly Finding[]
}

const NONE: SubIssuePlan = { operations: new Map(), findings: [] }

/**
 * Which linked issues become sub-issues of the parent, in plan order:
 * - one that already is one: nothing (a redelivery writes nothing);
 * - the parent itself, and an issue not read: left out;
 * - a pull request: left out (GitHub makes only issues sub-issues), a notice;
 * - one with another parent, a person's choice: kept there, a notice;
 * - the parent's own parent: left out (a loop GitHub refuses), a warning;
 * - beyond GitHub's 100 sub-issues per parent: left out, a warning naming them.
 */
export function planSubIssues(parent: ParentIssue | undefined, snapshot: Snapshot): SubIssuePlan {
  const observed = snapshot.parent
  if (parent === undefined || observed === undefined) return NONE
  const top = observed.issue
  if (!top.found || top.kind !== 'issue') return NONE
  const parentName = formatIssueRef(top.ref)
  const parentKey = refKey(parent.ref)
  const pullRequests: string[] = []
  const elsewhere: string[] = []
  const loops: string[] = []
  const candidates: Extract<ObservedIssue, { found: true }>[] = []
  for (const issue of snapshot.issues) {
    if (!issue.found || refKey(issue.ref) === parentKey || issue.id === top.id) continue
    const name = formatIssueRef(issue.ref)
    if (issue.kind === 'pull_request') pullRequests.push(name)
    else if (issue.parent === undefined || issue.parent?.id === top.id) continue
    else if (issue.parent !== null)
      elsewhere.push(`${name} (under ${formatIssueRef(issue.parent.ref)})`)
    else if (top.parent?.id === issue.id) loops.push(name)
    else candidates.push(issue)
  }
  const room = Math.max(0, MAX_SUB_ISSUES - observed.subIssues)
  const operations = new Map<string, AddSubIssue>()
  for (const issue of candidates.slice(0, room)) {
    operations.set(refKey(issue.ref), {
      op: 'add_sub_issue',
      issue: formatIssueRef(issue.ref),
      parent: parentName,
      target: { issueId: issue.id, parentId: top.id }
    })
  }
  const findings: Finding[] = []
  if (pullRequests.length > 0) {
    findings.push({
      level: 'notice',
      message: `${pullRequests.join(', ')}: pull request(s), which GitHub does not make sub-issues; not added under ${parentName}.`
    })
  }
  if (elsewhere.length > 0) {
    findings.push({
      level: 'notice',
      message: `Left under the parent a person chose: ${elsewhere.join(', ')}; not moved under ${parentName}. Remove that parent on GitHub to have the next event add it.`
    })
  }
  if (loops.length > 0) {
    findings.push({
      level: 'warning',
      message: `${loops.join(', ')} is the parent of ${parentName}: making it a sub-issue of ${parentName} would be a loop, so it is left as it is.`
    })
  }
  const over = candidates.slice(room).map((issue) => formatIssueRef(issue.ref))
  if (over.length > 0) {
    findings.push({
      level: 'warning',
      message: `${parentName} has ${observed.subIssues} sub-issue(s) and GitHub allows at most ${MAX_SUB_ISSUES} (closed ones count): ${over.join(', ')} not added. Their labels are still synced; split the plan's issues across parent issues, or remove sub-issues from ${parentName}.`
    })
  }
  return { operations, findings }
}
