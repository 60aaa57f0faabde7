/**
 * Helpers for the end-to-end tests in __tests__/e2e/: run the bundled action
 * (dist/index.js, through runAction) against a simulator, and read what a user
 * sees of it: exit code, annotations, outputs and job summary.
 */
import { afterEach, beforeEach, expect } from '@jest/globals'
import {
  startSimulator,
  type GitHubSimulator,
  type LoggedRequest,
  type SimulatorOptions
} from './github-simulator.js'
import { cleanup, makeWorkspace, runAction, type ActionResult } from './run-action.js'
import {
  PLAN_PATH,
  REPO,
  dispatch,
  seedSample,
  type Sample,
  type SampleOptions
} from './sample-repo.js'

/**
 * Gives each test of the calling file (or describe block) a fresh simulator:
 * started before the test and handed to `onStart`, closed after it together
 * with the workspaces the test made. A callback rather than a return value so
 * that the tests keep a plain `sim` variable.
 */
export function useSimulator(
  onStart: (sim: GitHubSimulator) => void,
  options: SimulatorOptions = {}
): void {
  let current: GitHubSimulator | undefined
  beforeEach(async () => {
    current = await startSimulator(options)
    onStart(current)
  })
  afterEach(async () => {
    await current?.close()
    current = undefined
    cleanup()
  })
}

/** The sample repository seeded into `sim`, and a workspace holding its plan. */
export function seedWorkspace(
  sim: GitHubSimulator,
  options: SampleOptions = {}
): Sample & { readonly workspace: string } {
  const sample = seedSample(sim, options)
  return { ...sample, workspace: makeWorkspace(sample.files) }
}

export interface FireOptions {
  /** Action inputs by their action.yml names (`dry-run`). */
  readonly inputs?: Record<string, string>
  /** Extra environment, applied last. */
  readonly env?: Record<string, string>
  /** `repository_dispatch` (default) or `workflow_dispatch`. */
  readonly eventName?: 'repository_dispatch' | 'workflow_dispatch'
  /** The dispatch's `event_type` (the event file's `action`). */
  readonly eventType?: string
  /** What `${{ github.token }}` expands to; default the simulator's token. */
  readonly token?: string
}

/**
 * Runs dist/index.js for one event: `payload` is the `client_payload` of a
 * repository_dispatch, or the `inputs` of a workflow_dispatch.
 */
export function fire(
  sim: GitHubSimulator,
  workspace: string,
  payload: Record<string, unknown>,
  options: FireOptions = {}
): Promise<ActionResult> {
  const eventName = options.eventName ?? 'repository_dispatch'
  return runAction({
    sim,
    workspace,
    eventName,
    eventPayload:
      eventName === 'workflow_dispatch'
        ? {
            inputs: payload,
            ref: 'refs/heads/main',
            repository: { full_name: REPO },
            workflow: '.github/workflows/debussy.yml'
          }
        : dispatch(payload, options.eventType),
    repository: REPO,
    ...(options.inputs ? { inputs: options.inputs } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.token !== undefined ? { token: options.token } : {})
  })
}

/** The payload of `event` for the sample plan: `{ event, plan: PLAN_PATH, ...fields }`. */
export function planEvent(
  event: string,
  fields: Record<string, unknown> = {}
): Record<string, unknown> {
  return { event, plan: PLAN_PATH, ...fields }
}

/** An issue as the outputs, the log and the summary name it: `acme/payments#3`. */
export function ref(number: number, repo = REPO): string {
  return `${repo}#${number}`
}

/**
 * Environment entries that remove a variable the harness sets (runAction sets
 * GITHUB_GRAPHQL_URL, say): child_process.spawn leaves out `undefined` values.
 */
export function unsetEnv(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, undefined])) as unknown as Record<
    string,
    string
  >
}

/** Fails with the run's output in the message, so that a broken run explains itself. */
export function expectExit(result: ActionResult, code: 0 | 1): void {
  if (result.code === code && !result.timedOut) return
  throw new Error(
    `expected exit code ${code}, got ${result.code}${result.timedOut ? ' (timed out)' : ''}\n` +
      `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`
  )
}

/** Undoes the workflow-command escaping of an annotation's message. */
function unescapeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/** The messages of the `::warning::` / `::notice::` / `::error::` annotations, in order. */
export function annotations(stdout: string, kind: 'warning' | 'notice' | 'error'): string[] {
  const prefix = new RegExp(`^::${kind}(?: [^:]*)?::`)
  return stdout
    .split(/\r?\n/)
    .filter((line) => prefix.test(line))
    .map((line) => unescapeCommand(line.replace(prefix, '')))
}

/** The one error annotation of a run that failed (exit 1) before sending any request to `sim`. */
export function refusedError(sim: GitHubSimulator, result: ActionResult): string {
  expectExit(result, 1)
  const errors = annotations(result.stdout, 'error')
  expect(errors).toHaveLength(1)
  expect(sim.requests).toEqual([])
  return errors[0] ?? ''
}

/**
 * The one error of `event` (phase_started by default) on the sample plan with
 * `config` as its .debussy/config.yaml: a bad configuration is refused before
 * any request.
 */
export async function refusedConfig(
  sim: GitHubSimulator,
  config: string,
  event = planEvent('phase_started', { phase: '1' })
): Promise<string> {
  const sample = seedSample(sim)
  const workspace = makeWorkspace({ ...sample.files, '.debussy/config.yaml': config })
  return refusedError(sim, await fire(sim, workspace, event))
}

/**
 * Everything a user can read of a run except the `::add-mask::` command, which
 * the runner consumes and never shows.
 */
export function visibleText(result: ActionResult): string {
  const stdout = result.stdout
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  return [stdout, result.stderr, result.summary, JSON.stringify(result.outputs)].join('\n')
}

/** The `operations` output, parsed. */
export function operationsOf(result: ActionResult): Record<string, unknown>[] {
  return JSON.parse(result.outputs.operations ?? 'null') as Record<string, unknown>[]
}

/** Order-insensitive form of a list of operations, for comparing two runs. */
export function canonical(operations: readonly Record<string, unknown>[]): string[] {
  return operations.map((op) => JSON.stringify(op, Object.keys(op).sort())).sort()
}

export function writesOf(sim: GitHubSimulator): LoggedRequest[] {
  return sim.requests.filter((request) => request.write)
}

/** Markdown as read on the page: links become their text, emphasis and escapes go. */
export function plain(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*/g, '')
    .replace(/\\(.)/g, '$1')
    .trim()
}

/** Splits a markdown table row into cells, keeping `\|` inside a cell. */
function rowCells(row: string): string[] {
  const cells: string[] = []
  let cell = ''
  const text = row.trim().replace(/^\|/, '').replace(/\|$/, '')
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === '\\' && i + 1 < text.length) {
      cell += char + text[i + 1]
      i++
    } else if (char === '|') {
      cells.push(cell)
      cell = ''
    } else {
      cell += char
    }
  }
  cells.push(cell)
  return cells.map(plain)
}

/**
 * The summary table row whose first cell names `ref` (`owner/repo#N`), as
 * plain-text cells, with the header's names as keys (lower-cased).
 */
export function summaryRow(summary: string, ref: string): Record<string, string> | undefined {
  const lines = summary.split(/\r?\n/)
  const headerIndex = lines.findIndex(
    (line, i) => line.trim().startsWith('|') && /^\|?[\s|:-]+\|?$/.test(lines[i + 1] ?? '')
  )
  if (headerIndex < 0) return undefined
  const header = rowCells(lines[headerIndex] ?? '').map((name) => name.toLowerCase())
  for (let i = headerIndex + 2; i < lines.length && (lines[i] ?? '').trim().startsWith('|'); i++) {
    const cells = rowCells(lines[i] ?? '')
    if (cells[0] !== ref) continue
    return Object.fromEntries(header.map((name, j) => [name, cells[j] ?? '']))
  }
  return undefined
}

/** The labels of a summary cell (`bug, debussy:completed`; `—` for none). */
export function labelCell(text: string | undefined): string[] {
  if (text === undefined) return []
  return text
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '' && label !== '—' && label !== '-')
}

/** The Debussy state labels among `labels`. */
export function stateLabels(labels: readonly string[]): string[] {
  return labels.filter((label) => label.startsWith('debussy:'))
}

/** A plan with YAML frontmatter in front of Debussy's body. */
export function withFrontmatter(frontmatter: string, body: string): string {
  return `---\n${frontmatter.trim()}\n---\n${body}`
}
