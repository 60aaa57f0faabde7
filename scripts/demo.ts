/**
 * `npm run demo`: a whole Debussy run, end to end, on 127.0.0.1. Debussy's
 * rows are written into `.debussy/state.db` with Debussy's own SQL (python3,
 * as Debussy writes them); the sender, `debussy-issue-sync watch`
 * (dist/cli/index.js), reads them and dispatches each change to a local
 * GitHub simulator; each dispatch is run through the bundled action
 * (dist/index.js) as the Actions runner runs it. No token, no network. Prints,
 * per event, what the watcher sent, what changed on each issue, the living
 * status comment, each issue's Status on the project board, the parent's
 * sub-issues, the milestone's progress line and the requests it took.
 *
 * Run `npm run bundle` first when src/ has changed: the demo runs dist/.
 */
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { statusMarkerStart } from '../src/status-comment.js'
import { DebussyState, hasPython } from '../test-support/debussy-state.js'
import { CLI, startWatcher, type Watcher } from '../test-support/watcher.js'
import {
  startSimulator,
  type GitHubSimulator,
  type LoggedRequest
} from '../test-support/github-simulator.js'
import { REPO_ROOT, cleanup, makeWorkspace, type ActionResult } from '../test-support/run-action.js'
import {
  PLAN_PATH,
  REPO,
  seedSample,
  type Sample,
  type SnapshotPayload
} from '../test-support/sample-repo.js'
import { OWNER, addBoard, allOnConfig } from '../test-support/all-on.js'
import { runDispatch, stopOnSignal, textTable } from './harness.js'

const BUNDLE = path.join(REPO_ROOT, 'dist', 'index.js')
const PHASES = ['1', '2', '2.5', '3'] as const
/** How long the watcher may take to notice a change (it polls every 100 ms here). */
const NOTICE_MS = 10_000
const PROGRESS_LINE = /📊 \*\*Debussy Progress:\*\*[^\r\n]*/
/** The dry run's preview lines shown; the rest are counted. */
const DRY_RUN_LINES = 10

// ---- output ------------------------------------------------------------------

/** Colour only on a terminal, and not when NO_COLOR asks for none. */
const colourOn = (stream: NodeJS.WriteStream): boolean =>
  stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
const paint =
  (code: string, stream: NodeJS.WriteStream = process.stdout) =>
  (text: string): string =>
    colourOn(stream) ? `\u001b[${code}m${text}\u001b[0m` : text
const bold = paint('1')
const dim = paint('2')
const green = paint('32')
const yellow = paint('33')
const red = paint('31', process.stderr)

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`)
}

/** A plain-text table: left-aligned text, right-aligned numbers. */
const table = (header: readonly string[], rows: readonly (readonly string[])[]): string[] =>
  textTable(header, rows, (column) => !rows.every((r) => /^[\d.]*(?: s)?$/.test(r[column] ?? '')))

// ---- the scenario ------------------------------------------------------------

type Payload = SnapshotPayload

interface Step {
  /** What the block's title says. */
  readonly title: string
  /** What Debussy did that made the watcher send this (empty for the demo's own replays). */
  readonly cause: string
  readonly payload: Payload
  readonly eventType: string
  readonly kind: 'dry-run' | 'real' | 'redelivery'
}

/** One thing Debussy does to its rows, and whether the watcher sends an event for it. */
interface DebussyStep {
  readonly what: string
  readonly sends: boolean
  act(debussy: DebussyState, run: string): void
}

/** The run Debussy makes: each phase started then completed, 2.5 failing once and retried. */
function debussyRun(): DebussyStep[] {
  const steps: DebussyStep[] = []
  for (const phase of PHASES) {
    steps.push({
      what: `phase ${phase} starts (attempt 1)`,
      sends: true,
      act: (d, run) => {
        d.setCurrentPhase(run, phase)
        d.startAttempt(run, phase, 1)
      }
    })
    if (phase === '2.5') {
      steps.push(
        {
          what: 'phase 2.5 fails its gates',
          sends: true,
          act: (d, run) => d.updatePhaseStatus(run, phase, 'failed', 'gates failed')
        },
        {
          what: 'phase 2.5 starts again (attempt 2)',
          sends: true,
          act: (d, run) => d.startAttempt(run, phase, 2)
        },
        {
          what: 'phase 2.5 is validating',
          sends: true,
          act: (d, run) => d.updatePhaseStatus(run, phase, 'validating')
        }
      )
    }
    steps.push({
      what: `phase ${phase} completes`,
      sends: true,
      act: (d, run) => d.updatePhaseStatus(run, phase, 'completed')
    })
  }
  steps.push({
    what: 'the run completes',
    sends: true,
    act: (d, run) => d.updateRunStatus(run, 'completed')
  })
  return steps
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return true
}

/**
 * Plays the run into state.db step by step and yields each dispatch the
 * watcher sends, as the workflow would receive it; the first one is also
 * previewed (dry_run), and phase 1's completion is delivered twice.
 */
async function* watchedRun(
  sim: GitHubSimulator,
  workspace: string,
  watcher: Watcher
): AsyncGenerator<Step> {
  const debussy = new DebussyState(path.join(workspace, '.debussy', 'state.db'))
  const run = debussy.createRun(path.join(workspace, PLAN_PATH))
  say(`  run_id      ${run} (written by Debussy's SQL into .debussy/state.db)`)
  let seen = 0
  const phasesStarted = new Set<string>()
  for (const step of debussyRun()) {
    step.act(debussy, run)
    const arrived = await waitFor(
      () => sim.dispatches().length > seen,
      step.sends ? NOTICE_MS : 400
    )
    if (arrived !== step.sends) {
      throw new DemoError(
        `After "${step.what}" the watcher ${step.sends ? 'sent nothing' : 'sent an event'}:\n${watcher.take().join('\n')}`
      )
    }
    if (!step.sends) {
      say()
      say(dim(`    debussy: ${step.what}: the watcher sends nothing`))
      continue
    }
    for (const d of sim.dispatches().slice(seen)) {
      seen++
      const payload = d.clientPayload as Payload
      const retry =
        payload.phase !== undefined &&
        phasesStarted.has(payload.phase) &&
        payload.event === 'phase_started'
      if (payload.event === 'phase_started' && payload.phase !== undefined)
        phasesStarted.add(payload.phase)
      const base = { cause: step.what, eventType: d.eventType, payload }
      if (seen === 1) {
        yield {
          ...base,
          title: `${payload.event} (dry run)`,
          payload: { ...payload, dry_run: true },
          kind: 'dry-run'
        }
      }
      yield { ...base, title: retry ? `${payload.event} (retry)` : payload.event, kind: 'real' }
      if (payload.event === 'phase_completed' && payload.phase === PHASES[0]) {
        yield { ...base, cause: '', title: `${payload.event} (redelivered)`, kind: 'redelivery' }
      }
    }
  }
}

// ---- helpers -----------------------------------------------------------------

class DemoError extends Error {}

interface IssueSnapshot {
  readonly ref: string
  readonly labels: string[]
  readonly state: string
  readonly comments: number
}

function snapshot(sim: GitHubSimulator, sample: Sample): IssueSnapshot[] {
  return sample.issueNumbers.map((n) => {
    const issue = sim.issue(REPO, n)
    return {
      ref: `${REPO}#${n}`,
      labels: [...issue.labels],
      state: issue.state,
      comments: issue.comments.length
    }
  })
}

/** The parent's sub-issues as GitHub draws them: `acme/payments#4: 2 of 3 closed`. */
function subIssuesLine(sim: GitHubSimulator, parent: number): string {
  const children = sim.subIssuesOf(REPO, parent)
  const closed = children.filter(
    (ref) => sim.issue(REPO, Number(ref.split('#')[1])).state === 'closed'
  )
  return `${REPO}#${parent}: ${closed.length} of ${children.length} closed`
}

/** The plan's status comment on an issue (the action's marker), or undefined. */
function statusCommentOf(sim: GitHubSimulator, n: number): string | undefined {
  return sim
    .issue(REPO, n)
    .comments.filter((body) => body.includes(statusMarkerStart(PLAN_PATH)))
    .at(-1)
}

/**
 * The status comment in two lines: its headline and progress, then each
 * phase's state from its table (`1 ✅ completed · 2 🔄 running`).
 */
function compactStatus(body: string): [string, string] {
  const lines = body.split(/\r?\n/)
  const said = lines
    .filter((l) => /^(?:\S+ \*\*|📊 )/u.test(l) || l.startsWith('Auto-close'))
    .map((l) =>
      l.replace(/\*\*/g, '').replace(/^(Auto-close is on), .*$/, '$1: closed with the plan')
    )
  const phases = lines
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Phase ') && !l.startsWith('| ---'))
    .map((l) => {
      const [id = '', , state = ''] = l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim())
      return `${id} ${state}`
    })
  return [said.join('  '), phases.join(' · ')]
}

/** How this event changed the status comments: posted, edited, or left as they were. */
function statusChange(
  before: readonly (string | undefined)[],
  after: readonly (string | undefined)[]
) {
  const posted = after.filter((body, i) => body !== undefined && before[i] === undefined).length
  const edited = after.filter(
    (body, i) => body !== undefined && before[i] !== undefined && before[i] !== body
  ).length
  const parts = [
    ...(posted > 0 ? [`posted on ${posted}`] : []),
    ...(edited > 0 ? [`edited in place on ${edited}`] : [])
  ]
  return parts.length === 0 ? dim('unchanged') : parts.join(', ')
}

/** Each issue's Status on the board, grouped: `Done: #1 #2 #3 #4`, `—` for an issue not on it. */
function boardLine(sim: GitHubSimulator, board: number, issues: readonly number[]): string {
  const items = new Map(sim.projectItems(OWNER, board).map((item) => [item.issue, item.values]))
  const groups = new Map<string, string[]>()
  for (const n of issues) {
    const status = items.get(`${REPO}#${n}`)?.Status ?? '— (not on the board)'
    groups.set(status, [...(groups.get(status) ?? []), `#${n}`])
  }
  return [...groups].map(([status, refs]) => `${status}: ${refs.join(' ')}`).join('; ')
}

const labelList = (labels: readonly string[]): string =>
  labels.length === 0 ? '[]' : `[${labels.join(', ')}]`

function progressLine(sim: GitHubSimulator, sample: Sample): string {
  if (sample.milestone === undefined) return '(no milestone)'
  const match = PROGRESS_LINE.exec(sim.milestone(REPO, sample.milestone).description)
  return match ? match[0] : '(no progress line yet)'
}

/** `::warning::msg` / `::notice title=…::msg` lines, with the runner's escapes undone. */
function annotations(stdout: string, kind: 'warning' | 'notice' | 'error'): string[] {
  const found: string[] = []
  for (const line of stdout.split(/\r?\n/)) {
    const match = new RegExp(`^::${kind}(?: [^:]*)?::(.*)$`).exec(line)
    if (match?.[1] !== undefined) {
      found.push(match[1].replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'))
    }
  }
  return found
}

function describeWrite(request: LoggedRequest): string {
  if (request.kind === 'graphql') {
    const n = request.mutationFields
    return `GraphQL mutation (${n} write${n === 1 ? '' : 's'})`
  }
  return `${request.method} ${request.path}`
}

function operations(result: ActionResult): Record<string, unknown>[] {
  const text = result.outputs.operations
  if (text === undefined || text === '') return []
  return JSON.parse(text) as Record<string, unknown>[]
}

/** Operations as a sorted list of canonical strings, `dry_run` flags dropped. */
function canonical(ops: readonly Record<string, unknown>[]): string[] {
  return ops
    .map((op) => {
      const rest = Object.fromEntries(Object.entries(op).filter(([key]) => key !== 'dry_run'))
      return JSON.stringify(rest, Object.keys(rest).sort())
    })
    .sort()
}

function indent(text: string, prefix = '    │ '): string {
  return text
    .trimEnd()
    .split(/\r?\n/)
    .map((line) => `${prefix}${line}`.trimEnd())
    .join('\n')
}

function failRun(step: Step, result: ActionResult, why: string): never {
  const parts = [
    `${why}`,
    `  event: ${JSON.stringify(step.payload)}`,
    `  exit code: ${result.code}${result.timedOut ? ' (killed: timed out)' : ''}`,
    '  --- action stdout ---',
    result.stdout.trim() === '' ? '  (empty)' : indent(result.stdout, '  | '),
    '  --- action stderr ---',
    result.stderr.trim() === '' ? '  (empty)' : indent(result.stderr, '  | ')
  ]
  throw new DemoError(parts.join('\n'))
}

// ---- main --------------------------------------------------------------------

interface Row {
  readonly step: Step
  readonly requests: number
  readonly writes: number
  readonly ms: number
}

async function demo(): Promise<void> {
  for (const file of [BUNDLE, CLI]) {
    if (!existsSync(file)) {
      throw new DemoError(
        `The bundle ${path.relative(process.cwd(), file) || file} is missing: run \`npm run bundle\` first.`
      )
    }
  }
  if (!hasPython()) {
    throw new DemoError(
      'python3 (with its sqlite3 module) is needed to write state.db as Debussy does.'
    )
  }
  const started = performance.now()
  let sim: GitHubSimulator | undefined
  let watcher: Watcher | undefined
  // The workspace and the run's temporary files are removed too: every directory made here.
  const stopListening = stopOnSignal('demo', () => {
    watcher?.proc.kill()
    void sim?.close()
  })
  try {
    sim = await startSimulator()
    const live = sim
    const sample = seedSample(sim, { phases: PHASES })
    // The plan's issue (parent_issue): the linked issues become its sub-issues.
    const parent = sim.addIssue(REPO, { title: 'Payments retry queue', labels: ['epic'] })
    const shown: Sample = { ...sample, issueNumbers: [...sample.issueNumbers, parent] }
    // The team's board; its Status column follows the state (github.project).
    const board = addBoard(sim)
    const workspace = makeWorkspace({
      ...sample.files,
      '.debussy/config.yaml': allOnConfig(board, parent)
    })
    mkdirSync(path.join(workspace, '.debussy'), { recursive: true })

    say(bold('debussy-issue-sync demo'))
    say(`  action      ${path.relative(process.cwd(), BUNDLE)} on Node ${process.version}`)
    say(`  sender      ${path.relative(process.cwd(), CLI)} watch --auto-close`)
    say(`  GitHub      simulator at ${sim.apiUrl} (REST) and ${sim.graphqlUrl}`)
    say(`  workspace   ${workspace}`)
    say(`  plan        ${PLAN_PATH}, phases ${PHASES.join(', ')}`)
    for (const issue of snapshot(sim, shown)) {
      say(`  issue       ${issue.ref}  ${labelList(issue.labels)}`)
    }
    if (sample.milestone !== undefined) {
      const milestone = sim.milestone(REPO, sample.milestone)
      say(`  milestone   #${milestone.number} "${milestone.title}":`)
      say(indent(milestone.description))
    }
    say(`  board       "Payments board" (orgs/${OWNER}/projects/${board}), Status column`)
    say(
      `  config      status_comment, parent_issue ${REPO}#${parent}, project Status for each state`
    )
    watcher = startWatcher(sim, workspace, ['--auto-close'])

    const rows: Row[] = []
    let preview: string[] | undefined
    let index = -1
    for await (const step of watchedRun(sim, workspace, watcher)) {
      index++
      const before = snapshot(sim, shown)
      const boardBefore = boardLine(sim, board, shown.issueNumbers)
      const statusBefore = shown.issueNumbers.map((n) => statusCommentOf(live, n))
      // The watcher's own POSTs to /dispatches are not the action's requests.
      const mark = sim.requests.length
      const result = await runDispatch(sim, workspace, step.payload, step.eventType)
      const mine = sim.requests.slice(mark).filter((r) => !r.path.includes('/dispatches'))
      const requests = mine.length
      const writes = mine.filter((r) => r.write)
      if (result.code !== 0 || result.timedOut) {
        failRun(step, result, `The action failed on event ${index}: ${step.title}.`)
      }
      rows.push({ step, requests, writes: writes.length, ms: result.durationMs })
      const after = snapshot(sim, shown)

      const phase = step.payload.phase === undefined ? '' : `  phase ${step.payload.phase}`
      say()
      say(bold(`[${index}] ${step.title}${phase}  sequence ${step.payload.sequence}`))
      if (step.cause !== '') say(dim(`    debussy: ${step.cause}`))
      for (const line of watcher.take()) say(`    watch:      ${line}`)
      if (step.kind === 'dry-run') {
        say(dim('    payload dry_run: true: the action only reads and previews'))
        const previewed = result.stdout.split(/\r?\n/).filter((l) => l.startsWith('[dry-run]'))
        for (const line of previewed.slice(0, DRY_RUN_LINES)) say(`    ${line}`)
        if (previewed.length > DRY_RUN_LINES)
          say(dim(`    … and ${previewed.length - DRY_RUN_LINES} more [dry-run] lines`))
      }
      if (step.kind === 'redelivery') {
        say(dim('    the same delivery again (same run_id and sequence)'))
      }
      for (const line of result.stdout.split(/\r?\n/)) {
        if (line.startsWith('Nothing to change')) say(`    ${line}`)
      }
      for (const [i, issue] of after.entries()) {
        const was = before[i]
        if (was === undefined) continue
        const labelsChanged = labelList(was.labels) !== labelList(issue.labels)
        const closed = was.state !== 'closed' && issue.state === 'closed'
        const comments = issue.comments - was.comments
        const notes = [
          ...(closed ? [green('closed')] : []),
          ...(comments > 0 ? [`+${comments} comment${comments === 1 ? '' : 's'}`] : [])
        ]
        const change = labelsChanged
          ? `${labelList(was.labels)} → ${labelList(issue.labels)}`
          : dim(`${labelList(issue.labels)} (unchanged)`)
        say(`    ${issue.ref}  ${change}${notes.length > 0 ? `  ${notes.join(', ')}` : ''}`)
      }
      const statusAfter = shown.issueNumbers.map((n) => statusCommentOf(live, n))
      const shownStatus = statusAfter[0]
      if (shownStatus !== undefined) {
        const [said, phases] = compactStatus(shownStatus)
        say(`    status      ${said}  (${statusChange(statusBefore, statusAfter)})`)
        say(`                ${phases}`)
      }
      const boardAfter = boardLine(sim, board, shown.issueNumbers)
      say(
        `    board       ${boardAfter}  (${boardAfter === boardBefore ? dim('unchanged') : 'changed'})`
      )
      say(`    milestone   ${progressLine(sim, sample)}`)
      say(`    sub-issues  ${subIssuesLine(sim, parent)}`)
      for (const warning of annotations(result.stdout, 'warning')) {
        say(yellow(`    warning     ${warning}`))
      }
      for (const notice of annotations(result.stdout, 'notice')) {
        say(`    notice      ${notice}`)
      }
      const writeList = writes.length > 0 ? `: ${writes.map(describeWrite).join(', ')}` : ''
      say(
        `    requests    ${requests} (${writes.length} write${writes.length === 1 ? '' : 's'}${writeList})  ${(result.durationMs / 1000).toFixed(1)} s`
      )

      // The demo's claims, checked: it must not show something that is not so.
      const ops = operations(result)
      if (step.kind === 'dry-run') {
        if (writes.length > 0) failRun(step, result, 'The dry run made write requests.')
        if (result.outputs['dry-run'] !== 'true')
          failRun(step, result, 'The dry run did not report dry-run=true.')
        preview = canonical(ops)
      } else if (preview !== undefined) {
        const same = JSON.stringify(preview) === JSON.stringify(canonical(ops))
        if (!same) failRun(step, result, 'The real run did not make the writes the dry run showed.')
        say(green(`    matches the dry run: the same ${ops.length} operations`))
        preview = undefined
      }
      const twice = shown.issueNumbers.filter(
        (n) =>
          live.issue(REPO, n).comments.filter((body) => body.includes(statusMarkerStart(PLAN_PATH)))
            .length > 1
      )
      if (twice.length > 0) {
        failRun(
          step,
          result,
          `The status comment was posted again on ${twice.map((n) => `${REPO}#${n}`).join(', ')}.`
        )
      }
      if (step.kind === 'redelivery' && writes.length > 0) {
        failRun(step, result, 'The redelivered event made write requests.')
      }
    }

    const code = await Promise.race([
      watcher.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), NOTICE_MS))
    ])
    if (code !== 0) {
      throw new DemoError(
        `The watcher did not end with the run (exit ${String(code)}):\n${watcher.take().join('\n')}`
      )
    }
    for (const line of watcher.take()) say(`    watch:      ${line}`)

    const totalRequests = rows.reduce((sum, row) => sum + row.requests, 0)
    const totalWrites = rows.reduce((sum, row) => sum + row.writes, 0)
    const totalMs = rows.reduce((sum, row) => sum + row.ms, 0)
    say()
    say(bold('Summary'))
    const lines = table(
      ['#', 'event', 'phase', 'seq', 'requests', 'writes', 'time'],
      [
        ...rows.map((row, i) => [
          String(i),
          row.step.title,
          row.step.payload.phase ?? '',
          String(row.step.payload.sequence),
          String(row.requests),
          String(row.writes),
          `${(row.ms / 1000).toFixed(1)} s`
        ]),
        [
          '',
          `total: ${rows.length} events`,
          '',
          '',
          String(totalRequests),
          String(totalWrites),
          `${(totalMs / 1000).toFixed(1)} s`
        ]
      ]
    )
    for (const line of lines) say(`  ${line}`)
    say()
    say(bold('Issues at the end'))
    for (const issue of snapshot(sim, shown)) {
      say(
        `  ${issue.ref}  ${issue.state}  ${labelList(issue.labels)}  ${issue.comments} comment${issue.comments === 1 ? '' : 's'}`
      )
    }
    say(`  board       ${boardLine(sim, board, shown.issueNumbers)}`)
    const finalStatus = statusCommentOf(sim, sample.issueNumbers[0] ?? 0)
    if (finalStatus !== undefined) {
      say()
      say(bold(`Status comment on ${REPO}#${sample.issueNumbers[0] ?? 0} at the end`))
      say(indent(finalStatus))
    }
    if (sample.milestone !== undefined) {
      const milestone = sim.milestone(REPO, sample.milestone)
      say()
      say(bold(`Milestone #${milestone.number} "${milestone.title}" description at the end`))
      say(indent(milestone.description))
    }
    say()
    say(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`)
  } finally {
    stopListening()
    if (watcher?.proc.exitCode === null) watcher.proc.kill()
    await sim?.close()
    cleanup()
  }
}

try {
  await demo()
} catch (error) {
  const message = error instanceof DemoError ? error.message : String(error)
  process.stderr.write(`\n${red('demo failed:')} ${message}\n`)
  if (!(error instanceof DemoError) && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`)
  }
  process.exitCode = 1
}
