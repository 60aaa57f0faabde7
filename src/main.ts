/**
 * The shell, in the order of the picture in docs/ARCHITECTURE.md: resolve the
 * event, load config and plan, observe GitHub once, reconcile, apply (or print
 * the dry run), report. Every rule lives in the modules it calls.
 */
import * as core from '@actions/core'
import { promises as fs } from 'node:fs'
import { loadConfig } from './config.js'
import type { Finding, Operation, RepoRef } from './domain.js'
import { InputError } from './errors.js'
import { resolveEvent, type ActionInputs } from './event.js'
import { applyOperations, describeError, type OperationResult } from './github/apply.js'
import { createGitHub, graphqlUrlFor, type ClientTiming } from './github/client.js'
import { observe } from './github/observe.js'
import { parseRepo } from './issue-ref.js'
import { loadPlan } from './plan-file.js'
import { STATE_FOR_EVENT, reconcile, stateLabel } from './reconcile.js'
import {
  buildOutputs,
  describeOperation,
  issueLines,
  renderSummary,
  type Outputs
} from './report.js'

export interface RunOptions {
  /** Tests shorten retry waits; the action runs with the defaults. */
  readonly timing?: ClientTiming
}

interface RunnerEnvironment {
  readonly workspace: string
  readonly repository: RepoRef
  readonly apiUrl: string
  readonly graphqlUrl: string
  readonly serverHost: string
  readonly eventName: string
  readonly eventPath: string | undefined
}

function runnerEnvironment(): RunnerEnvironment {
  const env = process.env
  const repository = env.GITHUB_REPOSITORY ?? ''
  if (repository === '') {
    throw new InputError(
      'GITHUB_REPOSITORY',
      'is not set',
      'Run the action in a GitHub Actions workflow, or set GITHUB_REPOSITORY=owner/repo'
    )
  }
  const apiUrl = env.GITHUB_API_URL?.trim() || 'https://api.github.com'
  return {
    workspace: env.GITHUB_WORKSPACE?.trim() || process.cwd(),
    repository: parseRepo(repository, 'GITHUB_REPOSITORY'),
    apiUrl,
    graphqlUrl: graphqlUrlFor(apiUrl, env.GITHUB_GRAPHQL_URL),
    serverHost: hostOf(env.GITHUB_SERVER_URL) ?? 'github.com',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    eventPath: env.GITHUB_EVENT_PATH
  }
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined || url.trim() === '') return undefined
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}

async function readEventPayload(eventPath: string | undefined): Promise<unknown> {
  if (eventPath === undefined || eventPath === '') return {}
  let text: string
  try {
    text = await fs.readFile(eventPath, 'utf8')
  } catch {
    return {}
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new InputError(
      'GITHUB_EVENT_PATH',
      'the event file is not valid JSON',
      'Let the Actions runner provide the event file'
    )
  }
}

function readInputs(): ActionInputs {
  return {
    event: core.getInput('event'),
    plan: core.getInput('plan'),
    phase: core.getInput('phase'),
    autoClose: core.getInput('auto-close'),
    dryRun: core.getInput('dry-run')
  }
}

function emit(findings: readonly Finding[]): void {
  for (const finding of findings) {
    if (finding.level === 'warning') core.warning(finding.message)
    else core.notice(finding.message)
  }
}

function setOutputs(outputs: Outputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
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

export async function run(options: RunOptions = {}): Promise<void> {
  try {
    await sync(options)
  } catch (error) {
    if (error instanceof InputError) {
      core.setFailed(error.message)
    } else {
      core.setFailed(`debussy-issue-sync failed: ${describeError(error)}`)
    }
  }
}

async function sync(options: RunOptions): Promise<void> {
  const token = core.getInput('github-token')
  // Registered first, so that no later line, debug ones included, can print it.
  if (token !== '') core.setSecret(token)
  const runner = runnerEnvironment()
  const payload = await readEventPayload(runner.eventPath)
  const findings: Finding[] = []

  const resolved = resolveEvent(readInputs(), { name: runner.eventName, payload })
  findings.push(...resolved.findings)
  const event = resolved.event
  const configPath = core.getInput('config') || '.debussy/config.yaml'
  const loadedConfig = await loadConfig(runner.workspace, configPath, 'input config')
  findings.push(...loadedConfig.findings)
  const config = loadedConfig.config
  const dryRun = event.dryRun === true || config.dryRun

  if (!config.enabled) {
    emit(findings)
    core.notice(`GitHub sync is off (github.enabled: false in ${configPath}): nothing is written.`)
    setOutputs(emptyOutputs(dryRun))
    return
  }

  const loadedPlan = await loadPlan(
    runner.workspace,
    event.plan,
    { defaultRepo: runner.repository, serverHost: runner.serverHost },
    'plan'
  )
  findings.push(...loadedPlan.findings)
  const plan = loadedPlan.plan
  if (plan.issues.length === 0) {
    emit(findings)
    setOutputs(emptyOutputs(dryRun))
    return
  }
  if (token === '') {
    throw new InputError(
      'input github-token',
      'is empty',
      'Leave it at its default (${{ github.token }}) or pass a token with issues: write'
    )
  }

  const github = createGitHub({
    token,
    apiUrl: runner.apiUrl,
    graphqlUrl: runner.graphqlUrl,
    timing: options.timing,
    onWait: (message) => core.warning(message)
  })
  const autoClose = event.autoClose ?? config.autoClose
  const state = stateLabel(config.labels, STATE_FOR_EVENT[event.kind])
  core.info(
    `${event.kind}${event.phase && event.kind !== 'plan_completed' ? ` (phase ${event.phase})` : ''} for ${plan.path}: ${plan.issues.length} linked issue(s)${dryRun ? ', dry run' : ''}`
  )
  let snapshot
  try {
    snapshot = await observe(github, {
      issues: plan.issues,
      stateLabel: state,
      milestone: plan.milestone && { repo: plan.repo, selector: plan.milestone },
      completionFor: event.kind === 'plan_completed' && autoClose ? plan.path : undefined
    })
  } catch (error) {
    throw new Error(
      `could not read the linked issues: ${failureReason(error, github.rateLimitResetAt())}`,
      { cause: error }
    )
  }

  const syncPlan = reconcile({ event, config, plan, snapshot, autoClose })
  findings.push(...syncPlan.findings)
  emit(findings)

  let results: OperationResult[] = []
  let applied: Operation[]
  if (dryRun) {
    for (const operation of syncPlan.operations)
      core.info(`[dry-run] ${describeOperation(operation)}`)
    if (syncPlan.operations.length === 0) core.info('[dry-run] Nothing to change.')
    applied = [...syncPlan.operations]
  } else {
    results = await applyOperations(github, {
      operations: syncPlan.operations,
      snapshot,
      milestone: syncPlan.milestone
    })
    applied = results.filter((r) => r.status === 'applied').map((r) => r.operation)
    for (const line of issueLines(syncPlan, results)) core.info(line)
    for (const result of results) {
      if (result.operation.op === 'create_label' && result.status === 'applied') {
        core.info(`Created label "${result.operation.label}" in ${result.operation.repo}`)
      }
      if (result.operation.op === 'update_milestone' && result.status === 'applied') {
        core.info(
          `Updated milestone "${result.operation.title}" (${result.operation.repo} #${result.operation.milestone}): ${result.operation.progress}`
        )
      }
      if (result.status === 'gone') {
        core.warning(
          `${describeOperation(result.operation)}: skipped, no longer there (${result.detail ?? ''})`
        )
      }
    }
    if (syncPlan.operations.length === 0)
      core.info('Nothing to change: GitHub already matches this event.')
  }

  setOutputs(buildOutputs(syncPlan, applied, dryRun))
  await writeSummary(renderSummary({ event, plan, sync: syncPlan, results, dryRun, findings }))

  const failures = results.filter((r) => r.status === 'failed')
  if (failures.length > 0) {
    const reset = github.rateLimitResetAt()
    const lines = failures.map(
      (f) => `- ${describeOperation(f.operation)}: ${failureReason(f.detail, reset)}`
    )
    core.setFailed(
      `${failures.length} of ${syncPlan.operations.length} write(s) failed; the rest were applied. Re-run the job to finish:\n${lines.join('\n')}`
    )
  }
}

/** A primary rate limit that resets too late is not waited for: say when it resets. */
function failureReason(detail: unknown, resetAt: Date | undefined): string {
  const text = typeof detail === 'string' ? detail : describeError(detail)
  if (resetAt === undefined) return text
  return `${text} (GitHub API rate limit exhausted; the budget resets at ${resetAt.toISOString()})`
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.debug('No GITHUB_STEP_SUMMARY: job summary not written.')
    return
  }
  await core.summary.addRaw(markdown).write()
}
