/**
 * One sync, in the order of docs/DEVELOPING.md: resolve the event, load config
 * and plan, observe GitHub once, reconcile, apply (or preview), report. Shared
 * by the action (main.ts) and the local preview CLI (cli.ts); each gives it
 * its inputs and a place to log, and does its own presenting.
 */
import { loadConfig } from './config.js'
import type {
  Finding,
  MasterPlan,
  Operation,
  OperationResult,
  PhaseEvent,
  RepoRef
} from './domain.js'
import { InputError } from './errors.js'
import { resolveEvent, type ActionInputs, type RunnerEvent } from './event.js'
import { applyOperations } from './github/apply.js'
import { createGitHub, type ClientTiming, type GitHub } from './github/client.js'
import { describeError } from './github/errors.js'
import { observe } from './github/observe.js'
import { loadPlan } from './plan/plan-file.js'
import { STATE_FOR_EVENT, reconcile, stateLabel } from './reconcile.js'
import {
  appliedOperations,
  buildOutputs,
  describeOperation,
  isFailure,
  issueLines,
  renderSummary,
  type Outputs,
  type SyncReport
} from './report.js'
import { plainLine } from './log-text.js'
import { checkProjectHost, resolveProject, tokenFix } from './project-status.js'
import { checkParent, withParent } from './sub-issues.js'
import { scopePlan } from './write-scope.js'

/**
 * Where a sync writes its log: annotations in the action, stderr in the CLI.
 * Each message arrives as one plain line (see plainLine in log-text.ts).
 */
export interface SyncLog {
  info(message: string): void
  warning(message: string): void
  notice(message: string): void
}

export interface SyncRequest {
  readonly inputs: ActionInputs
  readonly event: RunnerEvent
  /** Config path relative to the workspace. */
  readonly config: string
  readonly workspace: string
  readonly repository: RepoRef
  readonly serverHost: string
  readonly apiUrl: string
  readonly graphqlUrl: string
  readonly token: string
  /** The project-token input: reads and writes `github.project` when set (else `token` does). */
  readonly projectToken?: string
  readonly timing?: ClientTiming
  /** The workflow run's page (`GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID`), linked from the status comment. */
  readonly workflowRun?: string | undefined
  /** The clock the status comment's "last event" time is read from (tests inject one). */
  readonly now?: () => Date
}

export interface SyncResult {
  readonly outputs: Outputs
  /** The job summary; undefined when nothing was looked at. */
  readonly summary: string | undefined
  /** Set when the step must fail: writes that still failed after retries. */
  readonly failure: string | undefined
  readonly event: PhaseEvent
  readonly plan: MasterPlan | undefined
  /** The changeset and its results; undefined when nothing was looked at. */
  readonly report: SyncReport | undefined
  /** The writes made, or in a dry run the writes a real run would make. */
  readonly operations: readonly Operation[]
  readonly dryRun: boolean
}

function emptyOutputs(dryRun: boolean): Outputs {
  return {
    issues: '[]',
    state: '',
    progress: '',
    closed: '[]',
    operations: '[]',
    'dry-run': String(dryRun)
  }
}

/**
 * Every message of a sync as one plain line: milestone titles, label names and
 * GitHub's error texts reach the log, and a line break in one of them followed
 * by `::error::` or `::add-mask::` would be a workflow command to the runner.
 */
function plainLog(output: SyncLog): SyncLog {
  return {
    info: (message) => output.info(plainLine(message)),
    warning: (message) => output.warning(plainLine(message)),
    notice: (message) => output.notice(plainLine(message))
  }
}

function emit(log: SyncLog, findings: readonly Finding[]): void {
  for (const finding of findings) {
    if (finding.level === 'warning') log.warning(finding.message)
    else log.notice(finding.message)
  }
}

/** A primary rate limit that resets too late is not waited for: say when it resets. */
function failureReason(detail: unknown, resetAt: Date | undefined): string {
  const text = typeof detail === 'string' ? detail : describeError(detail)
  if (resetAt === undefined) return text
  return `${text} (GitHub API rate limit exhausted; the budget resets at ${resetAt.toISOString()})`
}

/**
 * Runs one sync. Bad input throws an InputError before any request; a failed
 * read throws; failed writes are collected into `failure` after every other
 * write was made.
 */
export async function sync(request: SyncRequest, output: SyncLog): Promise<SyncResult> {
  const log = plainLog(output)
  const findings: Finding[] = []
  const resolved = resolveEvent(request.inputs, request.event)
  findings.push(...resolved.findings)
  const event = resolved.event
  const loadedConfig = await loadConfig(request.workspace, request.config, 'input config')
  findings.push(...loadedConfig.findings)
  const config = loadedConfig.config
  checkProjectHost(config.project, request.serverHost, request.config)
  const dryRun = event.dryRun === true || config.dryRun
  const nothing = {
    summary: undefined,
    failure: undefined,
    event,
    report: undefined,
    operations: [],
    dryRun
  }

  const loadedPlan = await loadPlan(
    request.workspace,
    event.plan,
    { defaultRepo: request.repository, serverHost: request.serverHost },
    event.planField ?? 'plan'
  )
  findings.push(...loadedPlan.findings)
  // Bounded and confined before anything is read from GitHub.
  const scoped = scopePlan(
    loadedPlan.plan,
    config,
    request.repository,
    request.config,
    event.planField ?? 'plan'
  )
  findings.push(...scoped.findings)
  const plan = withParent(scoped.plan, config, {
    workflowRepo: request.repository,
    configPath: request.config,
    serverHost: request.serverHost
  })
  if (plan.issues.length === 0) {
    emit(log, findings)
    return { ...nothing, outputs: emptyOutputs(dryRun), plan }
  }
  if (request.token === '') {
    throw new InputError(
      'input github-token',
      'is empty',
      'Leave it at its default (${{ github.token }}) or pass a token with issues: write'
    )
  }

  const clientFor = (token: string): GitHub =>
    createGitHub({
      token,
      apiUrl: request.apiUrl,
      graphqlUrl: request.graphqlUrl,
      timing: request.timing,
      onWait: (message) => log.warning(message),
      onPause: (message) => log.info(message)
    })
  const github = clientFor(request.token)
  // A separate project-token gets its own client: its requests cannot share a batch with the others.
  const projectToken = request.projectToken ?? ''
  const projectGitHub =
    config.project !== undefined && projectToken !== '' && projectToken !== request.token
      ? clientFor(projectToken)
      : undefined
  const projectTokenInput = projectToken === '' ? 'github-token' : 'project-token'
  // What the inputs said is shown now, so that a failed read does not hide it.
  emit(log, findings)
  const autoClose = event.autoClose ?? config.autoClose
  const phase = event.phase && event.kind !== 'plan_completed' ? ` (phase ${event.phase})` : ''
  log.info(
    `${event.kind}${phase} for ${plan.path}: ${plan.issues.length} linked issue(s)${dryRun ? ', dry run' : ''}`
  )
  let snapshot
  try {
    snapshot = await observe(github, {
      issues: plan.issues,
      stateLabel: stateLabel(config.labels, STATE_FOR_EVENT[event.kind]),
      milestone: plan.milestone && { repo: plan.repo, selector: plan.milestone },
      completionFor: event.kind === 'plan_completed' && autoClose ? plan.path : undefined,
      ...(config.statusComment ? { statusFor: plan.path } : {}),
      ...(config.project === undefined
        ? {}
        : {
            project: {
              ref: config.project.ref,
              field: config.project.field,
              ...(projectGitHub === undefined ? {} : { separate: projectGitHub })
            }
          }),
      ...(plan.parent === undefined ? {} : { parent: plan.parent.ref })
    })
  } catch (error) {
    // A token without the project scope fails the whole read (GitHub's INSUFFICIENT_SCOPES).
    const hint =
      config.project !== undefined && /project/i.test(describeError(error))
        ? `. github.project: ${tokenFix(projectTokenInput)}`
        : ''
    throw new Error(
      `could not read the linked issues: ${failureReason(error, github.rateLimitResetAt())}${hint}`,
      { cause: error }
    )
  }
  // A project, field or option that does not exist stops here, before any write.
  const project =
    config.project === undefined
      ? undefined
      : resolveProject(config.project, snapshot.project, request.config, projectTokenInput)

  // A parent issue that is missing or a pull request fails before any write.
  checkParent(plan.parent, snapshot.parent)
  const changeset = reconcile({
    event,
    config,
    plan,
    snapshot,
    autoClose,
    at: (request.now ?? (() => new Date()))(),
    workflowRun: request.workflowRun,
    ...(project === undefined ? {} : { project })
  })
  findings.push(...changeset.findings)
  emit(log, changeset.findings)

  let results: readonly OperationResult[] = []
  if (dryRun) {
    for (const operation of changeset.operations)
      log.info(`[dry-run] ${describeOperation(operation)}`)
    if (changeset.operations.length === 0) log.info('[dry-run] Nothing to change.')
  } else {
    results = await applyOperations(github, {
      operations: changeset.operations,
      ...(projectGitHub === undefined ? {} : { projectGitHub })
    })
  }
  const report: SyncReport = { changeset, results, dryRun }
  if (!dryRun) logResults(log, report)

  const failures = results.filter(isFailure)
  let failure: string | undefined
  if (failures.length > 0) {
    const reset = github.rateLimitResetAt()
    const lines = failures.map(
      (f) =>
        `- ${plainLine(describeOperation(f.operation))}: ${plainLine(failureReason(f.detail, reset))}`
    )
    failure = `${failures.length} of ${changeset.operations.length} write(s) failed; the rest were applied. Re-run the job to finish:\n${lines.join('\n')}`
  }
  return {
    outputs: buildOutputs(report),
    summary: renderSummary({ event, plan, report, findings }),
    failure,
    event,
    plan,
    report,
    operations: appliedOperations(report),
    dryRun
  }
}

function logResults(log: SyncLog, report: SyncReport): void {
  for (const line of issueLines(report)) log.info(line)
  for (const result of report.results) {
    const operation = result.operation
    if (operation.op === 'create_label' && result.kind === 'applied') {
      log.info(`Created label "${operation.label}" in ${operation.repo}`)
    }
    if (operation.op === 'update_milestone' && result.kind === 'applied') {
      log.info(
        `Updated milestone "${operation.title}" (${operation.repo} #${operation.milestone}): ${operation.progress}`
      )
    }
    if (result.kind === 'failed' && result.reason === 'gone') {
      log.warning(`${describeOperation(operation)}: skipped, no longer there (${result.detail})`)
    }
  }
  if (report.changeset.operations.length === 0)
    log.info('Nothing to change: GitHub already matches this event.')
}
