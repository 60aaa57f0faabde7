/**
 * The package's command line (`debussy-issue-sync`, dist/cli/index.js):
 * - `plan`: previews (or with --apply makes) the writes one event makes, through the action's sync();
 * - `check`: reads a plan and config offline and says what the action will see;
 * - `watch`: the sender (SPEC §8), dispatching Debussy's run as it goes (src/sender/);
 * - `dispatch`: sends one payload by hand.
 */
import { execFileSync, spawn } from 'node:child_process'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from './config.js'
import {
  EVENT_KINDS,
  SYNC_STATES,
  type MasterPlan,
  type OperationResult,
  type RepoRef,
  type ShownOperation
} from './domain.js'
import { InputError, closestName, printable } from './errors.js'
import { clientPayloadSchema, normaliseEventType, payloadError } from './event.js'
import { graphqlUrlFor, type ClientTiming } from './github/client.js'
import { describeError } from './github/errors.js'
import { formatIssueRef, formatRepo, hostOf, parseRepo } from './issue-ref.js'
import { loadPlan } from './plan/plan-file.js'
import { formatProgress } from './progress.js'
import { plainLine } from './log-text.js'
import { createDispatcher, describeFailure, type Sender } from './sender/dispatch.js'
import { eventType, type DispatchPayload } from './sender/snapshot.js'
import { stateLabel } from './reconcile.js'
import { readState } from './sender/state-db.js'
import { sleep } from './sender/sleep.js'
import { watch } from './sender/watch.js'
import { sync, type SyncLog, type SyncResult } from './sync.js'
import { withParent } from './sub-issues.js'
import { scopePlan } from './write-scope.js'

const COMMANDS = ['plan', 'check', 'watch', 'dispatch'] as const
type Command = (typeof COMMANDS)[number]

export const USAGE = `Usage: debussy-issue-sync COMMAND [options]

Commands:
  watch       send Debussy's run to GitHub as repository_dispatch events while it runs
  dispatch    send one repository_dispatch event by hand
  check       read a plan (and config) offline: linked issues, phases, milestone, warnings
  plan        preview what the action would do for one event; writes only with --apply

Run \`debussy-issue-sync COMMAND --help\` for a command's options.
The token comes from GITHUB_TOKEN, else GH_TOKEN, else \`gh auth token\`;
the board's token (github.project) from DEBUSSY_PROJECT_TOKEN.`

const PLAN_USAGE = `Usage: debussy-issue-sync plan --repo OWNER/REPO --plan PATH --event EVENT [options]

Previews what the action would do for one Debussy event; writes only with --apply.

  --repo OWNER/REPO        repository of the plan (bare issue refs belong to it)
  --plan PATH              master plan, relative to --workspace
  --event EVENT            phase_started | phase_completed | phase_failed | plan_completed |
                           phase_validating | phase_awaiting_human | phase_blocked
  --phase ID               phase id (phase events)
  --completed-phases N     progress snapshot, as the orchestrator sends it
  --total-phases N
  --auto-close             close issues on plan_completed when every phase is done
  --config PATH            Debussy config (default .debussy/config.yaml)
  --workspace DIR          checkout holding the plan (default: current directory)
  --api-url URL            REST API (default https://api.github.com; GHES: https://HOST/api/v3)
  --graphql-url URL        GraphQL API (default derived from --api-url)
  --apply                  make the writes (default: preview only)
  -h, --help               this text

The token comes from GITHUB_TOKEN, else GH_TOKEN, else \`gh auth token\`.
DEBUSSY_PROJECT_TOKEN, when set, reads and writes the board of github.project
(the action's project-token input); unset, the token above does.`

const WATCH_USAGE = `Usage: debussy-issue-sync watch [options] [-- debussy run PLAN ...]

Reads Debussy's .debussy/state.db while Debussy runs and sends each phase start,
completion and failure, and the plan's completion, to GitHub as a
repository_dispatch event (event_type debussy-phase-started, ...), with a full
snapshot as client_payload. Started late or again, it sends one snapshot of
where the run is. After -- it runs the command, watches while it runs, sends
the last state when it exits and exits with its exit code.

  --db PATH                Debussy's state database (default .debussy/state.db)
  --repo OWNER/REPO        where to send (default: the checkout's origin remote)
  --workspace DIR          repository root (default: the checkout holding the current directory)
  --plan PATH              the plan, relative to the root (default: the run's master plan)
  --run ID                 follow this run (default: the latest)
  --auto-close             ask the action to close the issues when the plan completes
  --once                   send where the run is now, then exit
  --follow                 keep watching after the run ends (and the next runs)
  --dry-run                print each payload; send nothing (no token needed)
  --api-url URL            REST API (default https://api.github.com; GHES: https://HOST/api/v3)
  --poll-ms N              how often to read state.db, 50..1000 (default 500)
  -h, --help               this text

The token (classic: repo scope; fine-grained: Contents write) comes from
GITHUB_TOKEN, else GH_TOKEN, else \`gh auth token\`.`

const DISPATCH_USAGE = `Usage: debussy-issue-sync dispatch --event EVENT --plan PATH [options]

Sends one repository_dispatch event with a version-1 client_payload.

  --event EVENT            phase_started | phase_completed | phase_failed | plan_completed |
                           phase_validating | phase_awaiting_human | phase_blocked
  --plan PATH              master plan, relative to the repository root
  --phase ID               phase id (phase events)
  --completed-phases N     progress snapshot
  --total-phases N
  --run-id ID              the run, with --sequence, orders the events
  --sequence N
  --auto-close             close issues on plan_completed when every phase is done
  --repo OWNER/REPO        where to send (default: the checkout's origin remote)
  --api-url URL            REST API (default https://api.github.com)
  --dry-run                print the payload; send nothing
  -h, --help               this text`

const CHECK_USAGE = `Usage: debussy-issue-sync check --plan PATH [--config PATH] [options]

Reads a plan (and the config) offline, with no token and no network, and prints
the linked issues, the phases and their ids, how the milestone is chosen, and
every warning the action would give.

  --plan PATH              master plan, relative to --workspace
  --config PATH            Debussy config (default .debussy/config.yaml)
  --repo OWNER/REPO        repository for bare refs like #10 (default: origin remote, else the plan's GitHub Repo)
  --workspace DIR          repository root (default: current directory)
  -h, --help               this text`

export interface CliIO {
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  out(text: string): void
  err(text: string): void
  /** `gh auth token`, or undefined when gh is not there or not logged in. */
  ghToken(host: string): string | undefined
  /** `git remote get-url origin` in `dir`, or undefined. */
  originUrl?(dir: string): string | undefined
  /** Where Ctrl-C and SIGTERM are delivered; returns a function that stops listening. */
  onSignal?(handler: (signal: NodeJS.Signals) => void): () => void
  /** How `plan`'s GitHub client lets time pass; tests give a held clock (default: the action's). */
  readonly timing?: ClientTiming
}

/** A command's trimmed output; undefined when it is not there, fails or prints nothing. */
function outputOf(command: string, args: readonly string[]): string | undefined {
  try {
    const out = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000
    }).trim()
    return out === '' ? undefined : out
  } catch {
    return undefined
  }
}

const ghToken = (host: string): string | undefined =>
  outputOf('gh', ['auth', 'token', '--hostname', host])

const git = (dir: string, ...args: string[]): string | undefined =>
  outputOf('git', ['-C', dir, ...args])

const processIO: CliIO = {
  env: process.env,
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  ghToken,
  originUrl: (dir) => git(dir, 'remote', 'get-url', 'origin'),
  onSignal: (handler) => {
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
    return () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  }
}

function usageError(problem: string, command?: Command): InputError {
  return new InputError(
    'command line',
    problem,
    `See \`debussy-issue-sync ${command === undefined ? '' : `${command} `}--help\``
  )
}

/**
 * The action names its fields as the workflow sees them (`input plan`,
 * `workflow_dispatch inputs.completed_phases`); on the command line they are flags.
 */
export function cliField(field: string): string {
  const flag = (name: string): string => `--${name.replace(/_/g, '-')}`
  const input = /^input ([\w-]+)(.*)$/.exec(field)
  if (input) {
    if (input[1] === 'github-token') return `token (GITHUB_TOKEN)${input[2] ?? ''}`
    return `${flag(input[1] ?? '')}${input[2] ?? ''}`
  }
  const key = /^(?:workflow_dispatch inputs|client_payload)\.(\w+)(.*)$/.exec(field)
  if (key) return `${flag(key[1] ?? '')}${key[2] ?? ''}`
  return field
}

/**
 * The environment variable that holds the action's project-token on the
 * command line. Tokens are never flags: a flag's value shows in the process
 * list and the shell history.
 */
export const PROJECT_TOKEN_VARIABLE = 'DEBUSSY_PROJECT_TOKEN'

/** The action's words for its token inputs, as the command line takes them (from the environment). */
function cliTokenWords(text: string): string {
  return text
    .replace(/the project-token input/g, PROJECT_TOKEN_VARIABLE)
    .replace(/the github-token input's token/g, 'the token (GITHUB_TOKEN)')
}

function describeCliError(error: unknown, apiUrl: string): string {
  if (error instanceof InputError) {
    // The action's advice about its checkout step means --workspace here.
    const fix = error.fix.replace(
      ', and that actions/checkout ran before this step',
      ' (see --workspace)'
    )
    return cliTokenWords(`${cliField(error.field)}: ${error.problem}. ${fix}`)
  }
  return cliTokenWords(describeFailure(error, apiUrl))
}

/** Runs the CLI; resolves to the exit code. */
export async function cli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [first, ...rest] = argv
  let apiUrl = 'https://api.github.com'
  try {
    if (first === undefined || first === '-h' || first === '--help') {
      io.out(`${USAGE}\n`)
      return first === undefined ? 1 : 0
    }
    const command = COMMANDS.find((c) => c === first)
    if (command === undefined) {
      const meant = closestName(first, COMMANDS)
      throw usageError(
        `unknown command "${printable(first, 40)}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}; the commands are ${COMMANDS.join(', ')}`
      )
    }
    apiUrl = apiUrlIn(rest) ?? apiUrl
    if (command === 'plan') return await plan(rest, io)
    if (command === 'check') return await check(rest, io)
    if (command === 'dispatch') return await dispatchCommand(rest, io)
    return await watchCommand(rest, io)
  } catch (error) {
    io.err(`error: ${plainLine(describeCliError(error, apiUrl))}\n`)
    return 1
  }
}

function apiUrlIn(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('--api-url')
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--api-url='))?.slice(10)
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>

function parse<T extends OptionSpec>(argv: readonly string[], command: Command, options: T) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: { ...options, help: { type: 'boolean', short: 'h' } }
    })
  } catch (error) {
    const message = describeError(error).replace(/^Error: /, '')
    const unknown = /Unknown option '--([^']+)'/.exec(message)?.[1]
    if (unknown === 'project-token' || unknown === 'token' || unknown === 'github-token') {
      throw new InputError(
        `--${unknown}`,
        'tokens are not taken as options (an option shows in the process list and the shell history)',
        `Set ${unknown === 'project-token' ? PROJECT_TOKEN_VARIABLE : 'GITHUB_TOKEN'} in the environment`
      )
    }
    const meant = unknown === undefined ? undefined : closestName(unknown, Object.keys(options))
    throw usageError(
      `${message}${meant === undefined ? '' : ` (did you mean --${meant}?)`}`,
      command
    )
  }
}

/** API host → the host gh and the web use (github.com for api.github.com). */
function serverHostOf(apiUrl: string): string {
  return apiUrl.includes('api.github.com') ? 'github.com' : (hostOf(apiUrl) ?? 'github.com')
}

function tokenFor(io: CliIO, host: string): string {
  const token = io.env.GITHUB_TOKEN || io.env.GH_TOKEN || io.ghToken(host) || ''
  if (token === '') {
    throw new InputError('token', 'none found', 'Set GITHUB_TOKEN, or log in with `gh auth login`')
  }
  return token
}

/** `owner/repo` and host of a git remote URL: https, ssh (`git@host:o/r.git`) and ssh:// forms. */
export function parseRemote(url: string): { host: string; repo: RepoRef } | undefined {
  const text = url.trim()
  const scp = /^[\w.-]+@([^:/]+):\/?([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(text)
  const full =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
      text
    )
  const m = scp ?? full
  if (!m) return undefined
  return { host: m[1] ?? '', repo: { owner: m[2] ?? '', repo: m[3] ?? '' } }
}

interface Target {
  readonly repo: RepoRef
  readonly apiUrl: string
}

/** --repo, else the origin remote (and, for a GHES remote without --api-url, its API). */
function targetOf(
  values: { repo?: string; 'api-url'?: string },
  io: CliIO,
  workspace: string,
  required: boolean
): Target | undefined {
  const explicitApi = values['api-url']
  if (values.repo !== undefined) {
    return {
      repo: parseRepo(values.repo, '--repo'),
      apiUrl: explicitApi ?? 'https://api.github.com'
    }
  }
  const origin = (io.originUrl ?? processIO.originUrl)?.(workspace)
  const remote = origin === undefined ? undefined : parseRemote(origin)
  if (remote === undefined) {
    if (!required) return undefined
    throw new InputError(
      '--repo',
      origin === undefined
        ? 'not given, and the checkout has no origin remote'
        : `not given, and the origin remote "${printable(origin)}" does not name a GitHub repository`,
      'Pass --repo OWNER/REPO'
    )
  }
  const apiUrl =
    explicitApi ??
    (remote.host === 'github.com' ? 'https://api.github.com' : `https://${remote.host}/api/v3`)
  return { repo: remote.repo, apiUrl }
}

// ---------------------------------------------------------------------------
// plan

/** The event's options, the same for `plan` and `dispatch`. */
const EVENT_OPTIONS = {
  event: { type: 'string' },
  plan: { type: 'string' },
  phase: { type: 'string' },
  'completed-phases': { type: 'string' },
  'total-phases': { type: 'string' },
  'auto-close': { type: 'boolean' }
} as const

async function plan(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, 'plan', {
    repo: { type: 'string' },
    ...EVENT_OPTIONS,
    config: { type: 'string' },
    workspace: { type: 'string' },
    'api-url': { type: 'string' },
    'graphql-url': { type: 'string' },
    apply: { type: 'boolean' }
  })
  if (values.help === true) {
    io.out(`${PLAN_USAGE}\n`)
    return 0
  }
  if (values.repo === undefined) throw usageError('--repo OWNER/REPO is required', 'plan')
  if (values.event !== undefined) eventOf(values.event)
  // Checked here so that a message names the flag, not the workflow input they are passed as.
  integerFlag(values['completed-phases'], '--completed-phases')
  integerFlag(values['total-phases'], '--total-phases')

  const apiUrl = values['api-url'] ?? 'https://api.github.com'
  const host = serverHostOf(apiUrl)
  const token = tokenFor(io, host)
  // As the action's project-token input: empty means the token above does the board too.
  const projectToken = io.env[PROJECT_TOKEN_VARIABLE] ?? ''
  const apply = values.apply === true
  const log: SyncLog = {
    info: (message) => io.err(`${message}\n`),
    warning: (message) => io.err(`warning: ${message}\n`),
    notice: (message) => io.err(`notice: ${message}\n`)
  }
  const dispatchInputs: Record<string, string> = {}
  if (values['completed-phases'] !== undefined)
    dispatchInputs.completed_phases = values['completed-phases']
  if (values['total-phases'] !== undefined) dispatchInputs.total_phases = values['total-phases']
  // The command line is one more source of the action's inputs: same validation, same rules.
  const result = await sync(
    {
      inputs: {
        event: values.event ?? '',
        plan: values.plan ?? '',
        phase: values.phase ?? '',
        autoClose: values['auto-close'] === true ? 'true' : '',
        dryRun: apply ? '' : 'true'
      },
      event: { name: 'workflow_dispatch', payload: { inputs: dispatchInputs } },
      config: values.config ?? '.debussy/config.yaml',
      workspace: values.workspace ?? io.cwd,
      repository: parseRepo(values.repo, '--repo'),
      serverHost: host,
      apiUrl,
      graphqlUrl: graphqlUrlFor(apiUrl, values['graphql-url']),
      token,
      ...(io.timing === undefined ? {} : { timing: io.timing }),
      ...(projectToken === '' ? {} : { projectToken })
    },
    log
  )
  io.out(renderPreview(result, apply))
  if (result.failure !== undefined) {
    io.err(`error: ${cliTokenWords(result.failure)}\n`)
    return 1
  }
  return 0
}

/** An event name as typed on the command line; a typo gets a "did you mean". */
function eventOf(text: string): (typeof EVENT_KINDS)[number] {
  const kind = normaliseEventType(text)
  if (kind !== undefined) return kind
  const meant = closestName(text.replace(/^debussy[-:_]/i, ''), EVENT_KINDS)
  throw new InputError(
    '--event',
    `"${printable(text, 40)}" is not an event${meant === undefined ? '' : ` (did you mean ${meant}?)`}`,
    `Use one of ${EVENT_KINDS.join(', ')}`
  )
}

/** Pads columns to the widest cell: a table a person reads in a terminal. */
function table(cells: readonly (readonly string[])[]): string {
  // Labels, notes and titles come from GitHub: none may start a workflow command.
  const rows = cells.map((row) => row.map(plainLine))
  const widths: number[] = []
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows
    .map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd())
    .join('\n')
}

function targetAndDetail(op: ShownOperation): [string, string] {
  switch (op.op) {
    case 'create_label':
      return [op.repo, `${op.label} (#${op.color})`]
    case 'add_label':
    case 'remove_label':
      return [op.issue, op.label]
    case 'update_milestone':
      return [`${op.repo} milestone #${op.milestone}`, `progress ${op.progress}`]
    case 'comment':
      return [op.issue, 'completion comment']
    case 'close_issue':
      return [op.issue, `as ${op.reason}`]
    case 'status_comment':
      return [op.issue, op.action === 'create' ? 'status comment' : 'status comment, edited']
    case 'add_to_project':
      return [op.issue, `to project ${op.project}`]
    case 'set_project_field':
      return [op.issue, `project ${op.field}: ${op.value}`]
    case 'add_sub_issue':
      return [op.issue, `sub-issue of ${op.parent}`]
  }
}

/** What became of a write, in the CLI's table. */
function resultCell(result: OperationResult | undefined): string {
  if (result === undefined) return 'not sent'
  if (result.kind === 'failed') return `failed (${result.reason}): ${result.detail}`
  if (result.kind === 'unknown') return `unknown: ${result.detail}`
  return result.detail === undefined ? 'applied' : `applied (${result.detail})`
}

export function renderPreview(result: SyncResult, apply: boolean): string {
  const report = result.report
  if (report === undefined) return 'Nothing to sync.\n'
  const sync = report.changeset
  const mode = report.dryRun ? 'preview: nothing was written' : 'applied'
  const lines = [`${result.event.kind} for ${result.plan?.path ?? ''} (${mode})`, '']
  if (sync.operations.length === 0) {
    lines.push('  No writes: GitHub already matches this event.')
  } else if (report.dryRun) {
    const rows = sync.operations.map((op, i) => [String(i + 1), op.op, ...targetAndDetail(op)])
    lines.push(table([['#', 'operation', 'target', 'detail'], ...rows]))
  } else {
    const rows = sync.operations.map((op, i) => [
      String(i + 1),
      op.op,
      ...targetAndDetail(op),
      resultCell(report.results.find((r) => r.operation === op))
    ])
    lines.push(table([['#', 'operation', 'target', 'detail', 'result'], ...rows]))
  }
  lines.push(
    '',
    table([
      ['issue', 'labels before', 'labels after', ''],
      ...sync.issues.map((issue) => [
        issue.issue,
        issue.labelsBefore.join(', ') || '—',
        issue.labelsAfter.join(', ') || '—',
        issue.closing ? 'close' : (issue.note ?? '')
      ])
    ])
  )
  if (sync.progress !== undefined) {
    lines.push(
      '',
      `Progress: ${formatProgress(sync.progress)} (${sync.progress.percent}%)${sync.milestone ? ` in milestone "${plainLine(sync.milestone.milestone.title)}"` : ''}`
    )
  }
  if (!apply) lines.push('', 'Run again with --apply to make these writes.')
  return `${lines.join('\n')}\n`
}

// ---------------------------------------------------------------------------
// check

function describeMilestone(plan: MasterPlan): string {
  const firstIssue =
    'the milestone of the first linked issue that has one; a different milestone on another linked issue is a warning'
  if (plan.milestone === undefined) return firstIssue
  const which =
    plan.milestone.by === 'number' ? `#${plan.milestone.number}` : `"${plan.milestone.title}"`
  return `github_milestone ${which} in ${formatRepo(plan.repo)} (if it is not found: a warning, labels still synced)`
}

async function check(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, 'check', {
    plan: { type: 'string' },
    config: { type: 'string' },
    repo: { type: 'string' },
    workspace: { type: 'string' }
  })
  if (values.help === true) {
    io.out(`${CHECK_USAGE}\n`)
    return 0
  }
  if (values.plan === undefined) throw usageError('--plan PATH is required', 'check')
  const workspace = path.resolve(io.cwd, values.workspace ?? '.')
  const target = targetOf(values, io, workspace, false)
  // Without --repo or an origin, bare refs need the plan's own GitHub Repo line.
  const defaultRepo = target?.repo ?? { owner: 'OWNER', repo: 'REPO' }
  const configPath = values.config ?? '.debussy/config.yaml'
  const { config, findings: configFindings } = await loadConfig(workspace, configPath, '--config')
  const loaded = await loadPlan(
    workspace,
    values.plan,
    { defaultRepo, serverHost: target === undefined ? 'github.com' : serverHostOf(target.apiUrl) },
    '--plan'
  )
  // What the action would sync: the same bounds, when the workflow's repository is known.
  const scoped =
    target === undefined
      ? { plan: loaded.plan, findings: [] }
      : scopePlan(loaded.plan, config, target.repo, configPath, '--plan')
  const plan = scoped.plan
  const lines = [`${plan.path}: "${plan.title}"`, `  repository: ${formatRepo(plan.repo)}`]
  lines.push('', `Linked issues (${plan.issues.length}):`)
  for (const issue of plan.issues) lines.push(`  ${formatIssueRef(issue)}`)
  if (plan.issues.length === 0) lines.push('  none: the action would change nothing')
  lines.push('', `Phases (${plan.phases.length}):`)
  lines.push(
    table([
      ['id', 'title', 'done'],
      ...plan.phases.map((p) => [p.id, p.title, p.done ? 'yes' : 'no'])
    ])
  )
  if (plan.phases.length === 0) lines.push('  none: give the payload total_phases')
  lines.push('', `Milestone: ${describeMilestone(plan)}`)
  // The plan's issue, resolved and scoped as the action does (its existence is checked by the read).
  const parent = withParent(plan, config, {
    workflowRepo: target?.repo ?? plan.repo,
    configPath,
    serverHost: target === undefined ? 'github.com' : serverHostOf(target.apiUrl)
  }).parent
  if (parent !== undefined) {
    lines.push(
      '',
      `Parent issue: ${formatIssueRef(parent.ref)} (${parent.field}): the linked issues become its sub-issues`
    )
  }
  lines.push(
    '',
    `Config (${configPath}): labels ${SYNC_STATES.map((state) => stateLabel(config.labels, state)).join(', ')}; auto_close ${String(config.autoClose)}`
  )
  const warnings = [...configFindings, ...loaded.findings, ...scoped.findings]
  if (target === undefined && plan.repo.owner === 'OWNER') {
    warnings.push({
      level: 'warning',
      message:
        'no repository for bare refs: pass --repo OWNER/REPO (the workflow uses its own repository)'
    })
  }
  lines.push('', warnings.length === 0 ? 'No warnings.' : `Warnings (${warnings.length}):`)
  for (const w of warnings) lines.push(`  ${w.level}: ${w.message}`)
  io.out(`${lines.join('\n')}\n`)
  return 0
}

// ---------------------------------------------------------------------------
// dispatch

function integerFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text.trim())) {
    throw new InputError(flag, `"${printable(text, 40)}" is not a whole number`, `Write ${flag} 2`)
  }
  return Number(text.trim())
}

function printPayload(io: CliIO, repo: RepoRef, payload: DispatchPayload): void {
  io.out(
    `[dry-run] POST /repos/${formatRepo(repo)}/dispatches ${JSON.stringify({ event_type: eventType(payload.event), client_payload: payload })}\n`
  )
}

function senderFor(io: CliIO, target: Target, dryRun: boolean): Sender {
  if (dryRun) {
    return (payload) => {
      printPayload(io, target.repo, payload)
      return Promise.resolve()
    }
  }
  return createDispatcher({
    repo: target.repo,
    apiUrl: target.apiUrl,
    token: tokenFor(io, serverHostOf(target.apiUrl)),
    onRetry: (message) => io.err(`${message}\n`)
  })
}

async function dispatchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, 'dispatch', {
    ...EVENT_OPTIONS,
    'run-id': { type: 'string' },
    sequence: { type: 'string' },
    repo: { type: 'string' },
    'api-url': { type: 'string' },
    'dry-run': { type: 'boolean' }
  })
  if (values.help === true) {
    io.out(`${DISPATCH_USAGE}\n`)
    return 0
  }
  if (values.event === undefined) throw usageError('--event EVENT is required', 'dispatch')
  if (values.plan === undefined) throw usageError('--plan PATH is required', 'dispatch')
  const event = eventOf(values.event)
  const completed = integerFlag(values['completed-phases'], '--completed-phases')
  const total = integerFlag(values['total-phases'], '--total-phases')
  const sequence = integerFlag(values.sequence, '--sequence')
  if (event !== 'plan_completed' && values.phase === undefined) {
    throw new InputError(
      '--phase',
      `is required for ${event}`,
      "Pass --phase ID, as in the plan's Phases table"
    )
  }
  const payload: DispatchPayload = {
    event,
    plan: values.plan,
    ...(values.phase === undefined ? {} : { phase: values.phase }),
    run_id: values['run-id'] ?? '',
    sequence: sequence ?? 0,
    completed_phases: completed ?? 0,
    ...(total === undefined ? {} : { total_phases: total }),
    ...(values['auto-close'] === true ? { auto_close: true } : {})
  }
  // Only what was given: run_id, sequence and completed_phases are optional in the payload.
  const sent: Record<string, unknown> = { ...payload }
  if (values['run-id'] === undefined) delete sent.run_id
  if (sequence === undefined) delete sent.sequence
  if (completed === undefined) delete sent.completed_phases
  // The same validation as the action's, so that what is sent is what it accepts.
  const checked = clientPayloadSchema.safeParse(sent)
  if (!checked.success) {
    throw payloadError(
      checked.error.issues,
      sent,
      (key) => cliField(`client_payload.${key}`),
      'See `debussy-issue-sync dispatch --help`'
    )
  }
  const workspace = io.cwd
  const target = targetOf(values, io, workspace, true) as Target
  await senderFor(io, target, values['dry-run'] === true)(sent as unknown as DispatchPayload)
  if (values['dry-run'] !== true) {
    io.err(`sent ${eventType(event)} to ${formatRepo(target.repo)}\n`)
  }
  return 0
}

// ---------------------------------------------------------------------------
// watch

/** The checkout's root: --workspace, else git's top level of the current directory, else it. */
function workspaceOf(io: CliIO, given: string | undefined): string {
  if (given !== undefined) return path.resolve(io.cwd, given)
  return git(io.cwd, 'rev-parse', '--show-toplevel') ?? io.cwd
}

async function watchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const split = argv.indexOf('--')
  const own = split < 0 ? argv : argv.slice(0, split)
  const child = split < 0 ? [] : argv.slice(split + 1)
  const { values } = parse(own, 'watch', {
    db: { type: 'string' },
    repo: { type: 'string' },
    workspace: { type: 'string' },
    plan: { type: 'string' },
    run: { type: 'string' },
    'auto-close': { type: 'boolean' },
    once: { type: 'boolean' },
    follow: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'api-url': { type: 'string' },
    'poll-ms': { type: 'string' }
  })
  if (values.help === true) {
    io.out(`${WATCH_USAGE}\n`)
    return 0
  }
  if (split >= 0 && child.length === 0) throw usageError('nothing to run after --', 'watch')
  if (split >= 0 && values.once === true)
    throw usageError('--once runs no command; drop the part after --', 'watch')
  const pollMs = integerFlag(values['poll-ms'], '--poll-ms') ?? 500
  if (pollMs < 50 || pollMs > 1000) {
    throw new InputError(
      '--poll-ms',
      `${pollMs} is out of range`,
      'Use 50 to 1000 (the sender polls at least once a second)'
    )
  }
  const workspace = workspaceOf(io, values.workspace)
  const db = path.resolve(io.cwd, values.db ?? path.join(workspace, '.debussy', 'state.db'))
  const target = targetOf(values, io, workspace, true) as Target
  const send = senderFor(io, target, values['dry-run'] === true)
  const log = (line: string): void => io.err(`${line}\n`)
  const controller = new AbortController()

  let childExit: Promise<number> | undefined
  let forward: ((signal: NodeJS.Signals) => void) | undefined
  let ignoreRuns: Set<string> | undefined
  if (child.length > 0) {
    // Runs already in state.db are not this command's: wait for the one it starts.
    ignoreRuns = new Set((await readState(db).catch(() => undefined))?.runs.map((r) => r.id) ?? [])
    const [command, ...args] = child as [string, ...string[]]
    log(`starting ${child.join(' ')}`)
    const proc = spawn(command, args, { stdio: 'inherit', cwd: io.cwd, env: io.env })
    childExit = new Promise<number>((resolve) => {
      proc.once('error', (error) => {
        log(`error: could not start ${command}: ${error.message}`)
        resolve(127)
      })
      proc.once('exit', (code, signal) =>
        resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal)))
      )
    })
    forward = (signal) => {
      if (proc.exitCode === null) proc.kill(signal)
    }
  }
  const stop = (io.onSignal ?? processIO.onSignal)?.((signal) => {
    if (forward !== undefined) {
      log(`passing ${signal} to the command`)
      forward(signal)
    } else {
      log(`${signal}: stopping`)
      controller.abort()
    }
  })
  try {
    const result = await watch({
      db,
      workspace,
      repo: target.repo,
      serverHost: serverHostOf(target.apiUrl),
      ...(values.run === undefined ? {} : { runId: values.run }),
      ...(values.plan === undefined ? {} : { plan: values.plan }),
      ...(values['auto-close'] === true ? { autoClose: true } : {}),
      once: values.once === true,
      follow: values.follow === true,
      pollMs,
      send,
      log,
      dryRun: values['dry-run'] === true,
      signal: controller.signal,
      sleep,
      ...(ignoreRuns === undefined ? {} : { ignoreRuns }),
      ...(childExit === undefined ? {} : { childExited: childExit })
    })
    const code = childExit === undefined ? 0 : await childExit
    if (result.failed > 0) {
      log(`${result.failed} send(s) failed; ${result.sent} sent`)
      return code === 0 ? 1 : code
    }
    return code
  } finally {
    stop?.()
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : signal === 'SIGKILL' ? 9 : 1
}
