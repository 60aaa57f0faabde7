/**
 * Local preview: `debussy-issue-sync plan --repo owner/repo --plan path --event
 * phase_completed --phase 2` prints the writes a run would make, through the
 * same sync() as the action. Nothing is written unless --apply is given.
 */
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import type { Operation } from './domain.js'
import { InputError } from './errors.js'
import { describeError } from './github/apply.js'
import { graphqlUrlFor } from './github/client.js'
import { parseRepo } from './issue-ref.js'
import { hostOf } from './main.js'
import { formatProgress } from './progress.js'
import { plainLine } from './runner.js'
import { sync, type SyncLog, type SyncResult } from './sync.js'

export const USAGE = `Usage: debussy-issue-sync plan --repo OWNER/REPO --plan PATH --event EVENT [options]

Previews what the action would do for one Debussy event; writes only with --apply.

  --repo OWNER/REPO        repository of the plan (bare issue refs belong to it)
  --plan PATH              master plan, relative to --workspace
  --event EVENT            phase_started | phase_completed | phase_failed | plan_completed
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

The token comes from GITHUB_TOKEN, else GH_TOKEN, else \`gh auth token\`.`

export interface CliIO {
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  out(text: string): void
  err(text: string): void
  /** `gh auth token`, or undefined when gh is not there or not logged in. */
  ghToken(host: string): string | undefined
}

function ghToken(host: string): string | undefined {
  try {
    const token = execFileSync('gh', ['auth', 'token', '--hostname', host], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000
    }).trim()
    return token === '' ? undefined : token
  } catch {
    return undefined
  }
}

const processIO: CliIO = {
  env: process.env,
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  ghToken
}

function usageError(problem: string): InputError {
  return new InputError('command line', problem, 'See `debussy-issue-sync --help`')
}

/** Runs the CLI; resolves to the exit code. */
export async function cli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  try {
    return await plan(argv, io)
  } catch (error) {
    io.err(
      `error: ${plainLine(error instanceof InputError ? error.message : describeError(error))}\n`
    )
    return 1
  }
}

async function plan(argv: readonly string[], io: CliIO): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        repo: { type: 'string' },
        plan: { type: 'string' },
        event: { type: 'string' },
        phase: { type: 'string' },
        'completed-phases': { type: 'string' },
        'total-phases': { type: 'string' },
        'auto-close': { type: 'boolean' },
        config: { type: 'string' },
        workspace: { type: 'string' },
        'api-url': { type: 'string' },
        'graphql-url': { type: 'string' },
        apply: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (error) {
    throw usageError(describeError(error).replace(/^Error: /, ''))
  }
  const { values, positionals } = parsed
  if (values.help === true || positionals.length === 0) {
    io.out(`${USAGE}\n`)
    return values.help === true ? 0 : 1
  }
  if (positionals[0] !== 'plan' || positionals.length > 1) {
    throw usageError(`unknown command "${positionals.join(' ')}"; the command is "plan"`)
  }
  if (values.repo === undefined) throw usageError('--repo OWNER/REPO is required')

  const apiUrl = values['api-url'] ?? 'https://api.github.com'
  const host = apiUrl.includes('api.github.com') ? 'github.com' : (hostOf(apiUrl) ?? 'github.com')
  const token = io.env.GITHUB_TOKEN || io.env.GH_TOKEN || io.ghToken(host) || ''
  if (token === '') {
    throw new InputError('token', 'none found', 'Set GITHUB_TOKEN, or log in with `gh auth login`')
  }
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
      token
    },
    log
  )
  io.out(renderPreview(result, apply))
  if (result.failure !== undefined) {
    io.err(`error: ${result.failure}\n`)
    return 1
  }
  return 0
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

function targetAndDetail(op: Operation): [string, string] {
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
  }
}

export function renderPreview(result: SyncResult, apply: boolean): string {
  const sync = result.sync
  if (sync === undefined) return 'Nothing to sync.\n'
  const mode = result.dryRun ? 'preview: nothing was written' : 'applied'
  const lines = [`${result.event.kind} for ${result.plan?.path ?? ''} (${mode})`, '']
  if (result.operations.length === 0) {
    lines.push('  No writes: GitHub already matches this event.')
  } else {
    const rows = result.operations.map((op, i) => [String(i + 1), op.op, ...targetAndDetail(op)])
    lines.push(table([['#', 'operation', 'target', 'detail'], ...rows]))
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
