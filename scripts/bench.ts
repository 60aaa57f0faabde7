/**
 * `npm run bench`: requests, writes and wall time per event of the bundled
 * action (dist/index.js, spawned as the Actions runner spawns it, production
 * timings) against a per-issue baseline client that does what Debussy's own
 * Python sync does (test-support/baseline-client.ts), through the same Octokit
 * with the same throttling and retries. Everything talks to GitHub simulators
 * on 127.0.0.1; nothing else is contacted.
 *
 *   npm run bench                       N = 1, 5, 20, 100 (takes 15+ minutes)
 *   npm run bench -- --quick            N = 1, 5 and fewer cold-start samples (CI)
 *   npm run bench -- --n 1,5,20         chosen N values
 *   npm run bench -- --json out.json    the same figures as JSON, too
 *   npm run bench -- --full-baseline    also time baseline runs estimated over 6 minutes
 *   npm run bench -- --cold-start       only the cold start (15 samples) and the size of dist/
 *   npm run bench -- --settings         only the default setting vs all of issue 14 on, at each N
 *
 * Each (N, scenario) pair gets two fresh simulators, seeded alike and brought
 * to the scenario's starting state alike (by running the preceding events
 * through the action on both); then the action runs on one and the baseline
 * on the other, one after the other. The bench fails only when something
 * crashes or an action run fails, never on a missed target or timing noise.
 *
 * The action runs from a copy of dist/ made at the start, in a temporary
 * directory with no node_modules above it (as the runner lays out an action:
 * a bundle must not find the repository's dependencies), chunks included, so
 * a rebuild of dist/ during the bench cannot mix bundles either. Run `npm run bundle` first when src/
 * has changed: the bench runs dist/.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { Kind } from 'graphql'
import { statusMarkerStart } from '../src/status-comment.js'
import {
  BaselineClient,
  DEBUSSY_LABELS,
  type BaselineEvent,
  type BaselineEventKind
} from '../test-support/baseline-client.js'
import {
  startSimulator,
  type GitHubSimulator,
  type LoggedRequest
} from '../test-support/github-simulator.js'
import { analyseGraphql } from '../test-support/simulator-graphql.js'
import {
  REPO_ROOT,
  cleanup,
  killActionProcesses,
  makeWorkspace,
  type ActionResult
} from '../test-support/run-action.js'
import { PLAN_PATH, REPO, seedSample, type SnapshotPayload } from '../test-support/sample-repo.js'
import { addBoard, allOnConfig } from '../test-support/all-on.js'
import { runDispatch, stopOnSignal, textTable } from './harness.js'

const DIST = path.join(REPO_ROOT, 'dist')
const BUNDLE = path.join(DIST, 'index.js')

/**
 * The action as measured: a copy of dist/ made at the start, laid out as the
 * runner lays out an action (no node_modules above it: a bundle must not find
 * the repository's), and safe from a rebuild of dist/ while the bench runs.
 */
interface ActionCopy {
  readonly dir: string
  readonly dist: string
  readonly entry: string
  readonly sha256: string
}

let actionCopy: ActionCopy | undefined

function copyDist(): ActionCopy {
  const dir = mkdtempSync(path.join(tmpdir(), 'debussy-bench-action-'))
  const dist = path.join(dir, 'dist')
  cpSync(DIST, dist, { recursive: true })
  const entry = path.join(dist, 'index.js')
  const sha256 = createHash('sha256').update(readFileSync(entry)).digest('hex')
  return { dir, dist, entry, sha256 }
}

function removeDistCopy(): void {
  if (actionCopy !== undefined) rmSync(actionCopy.dir, { recursive: true, force: true })
  actionCopy = undefined
}

function actionEntry(): string {
  if (actionCopy === undefined) throw new BenchError('internal: dist/ was not copied')
  return actionCopy.entry
}
const RUN_ID = 'bench-run-1'
/** The sample plan's phases (seedSample's default). */
const PHASES = ['1', '2', '2.5', '3'] as const
/** A baseline run estimated longer than this is counted but not timed (unless --full-baseline). */
const BASELINE_TIME_BUDGET_S = 360
/** Whole-bench safety net: every loop is bounded, this bounds the sum. */
const BENCH_DEADLINE_MS = 90 * 60_000
/** GitHub's pacing as the throttling plugin applies it: writes 1 s apart, notifying writes 3 s. */
const WRITE_SPACING_S = 1
const NOTIFYING_SPACING_S = 3
/** Issue 14's budget with every opt-in on: phase_completed for 100 issues, in steady state. */
const ALL_ON_BUDGET = 10

// ---- arguments -----------------------------------------------------------------

interface Args {
  readonly quick: boolean
  readonly json: string | undefined
  readonly ns: readonly number[]
  readonly fullBaseline: boolean
  /** Only the cold start and dist/'s size: no scenarios, no plan run. */
  readonly coldStartOnly: boolean
  /** Only the default setting vs all-on, at each N: no baseline, no plan run, no cold start. */
  readonly settingsOnly: boolean
}

class UsageError extends Error {}
class BenchError extends Error {}

const USAGE =
  'usage: npm run bench -- [--quick] [--n 1,5,20,100] [--json FILE] [--full-baseline] [--cold-start | --settings]'

function parseArgs(argv: readonly string[]): Args {
  let quick = false
  let json: string | undefined
  let ns: number[] | undefined
  let fullBaseline = false
  let coldStartOnly = false
  let settingsOnly = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`)
      return next
    }
    if (arg === '--quick') quick = true
    else if (arg === '--full-baseline') fullBaseline = true
    else if (arg === '--cold-start') coldStartOnly = true
    else if (arg === '--settings') settingsOnly = true
    else if (arg === '--json') json = value()
    else if (arg.startsWith('--json=')) json = arg.slice('--json='.length)
    else if (arg === '--n' || arg.startsWith('--n=')) {
      const text = arg === '--n' ? value() : arg.slice('--n='.length)
      ns = text.split(',').map((part) => {
        const n = Number(part.trim())
        if (!Number.isInteger(n) || n < 1 || n > 500) {
          throw new UsageError(`--n takes whole numbers from 1 to 500, not "${part}"`)
        }
        return n
      })
      if (ns.length === 0) throw new UsageError('--n needs at least one value')
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`)
      process.exit(0)
    } else throw new UsageError(`unknown argument "${arg}"`)
  }
  if (json === '') throw new UsageError('--json needs a file name')
  if (coldStartOnly && settingsOnly)
    throw new UsageError('--cold-start and --settings each run one part only: give one of them')
  return {
    quick,
    json,
    ns: [...new Set(ns ?? (quick ? [1, 5] : [1, 5, 20, 100]))].sort((a, b) => a - b),
    fullBaseline,
    coldStartOnly,
    settingsOnly
  }
}

// ---- output --------------------------------------------------------------------

const lines: string[] = []
const say = (line = ''): void => {
  lines.push(line)
  process.stdout.write(`${line}\n`)
}
/** Progress goes to stderr, so that stdout is the report. */
const progress = (line: string): void => {
  process.stderr.write(`  … ${line}\n`)
}

/** What was run (the first two columns) left-aligned, the figures right-aligned. */
const table = (header: readonly string[], rows: readonly (readonly string[])[]): string[] =>
  textTable(header, rows, (column) => column < 2)

const seconds = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`)
const ratio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(1)}×`)
const millis = (ms: number): string => `${ms.toFixed(0)} ms`

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

// ---- events --------------------------------------------------------------------

/** The events the baseline (Debussy's own sync) knows: the bench compares only these. */
type Payload = SnapshotPayload & { readonly event: BaselineEventKind }

function payload(
  event: BaselineEventKind,
  sequence: number,
  completed: number,
  total: number,
  extra: { phase?: string; auto_close?: boolean } = {}
): Payload {
  return {
    event,
    plan: PLAN_PATH,
    ...(extra.phase === undefined ? {} : { phase: extra.phase }),
    run_id: RUN_ID,
    sequence,
    completed_phases: completed,
    total_phases: total,
    ...(extra.auto_close === undefined ? {} : { auto_close: extra.auto_close })
  }
}

function baselineEvent(p: Payload, issues: readonly number[]): BaselineEvent {
  return {
    event: p.event,
    issues,
    completed: p.completed_phases,
    total: p.total_phases,
    autoClose: p.auto_close === true
  }
}

type ScenarioName = 'phase_started' | 'phase_completed' | 'plan_completed' | 'redelivery'

interface Scenario {
  readonly name: ScenarioName
  /** The starting state, in words. */
  readonly from: string
  /** Events applied (by the action) on both simulators before measuring. */
  readonly prep: readonly Payload[]
  readonly event: Payload
}

function scenarios(): Scenario[] {
  const total = PHASES.length
  const started = payload('phase_started', 1, 0, total, { phase: PHASES[0] })
  const completed = payload('phase_completed', 2, 1, total, { phase: PHASES[0] })
  const planDone = payload('plan_completed', 3, total, total, { auto_close: true })
  return [
    { name: 'phase_started', from: 'fresh: no state label exists yet', prep: [], event: started },
    {
      name: 'phase_completed',
      from: 'after phase_started (debussy:completed not created yet)',
      prep: [started],
      event: completed
    },
    {
      name: 'plan_completed',
      from: 'after phase_started + phase_completed; auto_close: true',
      prep: [started, completed],
      event: planDone
    },
    {
      name: 'redelivery',
      from: 'after phase_started + phase_completed: the same phase_completed again',
      prep: [started, completed],
      event: completed
    }
  ]
}

// ---- measuring -----------------------------------------------------------------

interface Measure {
  readonly requests: number
  readonly writes: number
  readonly mutationFields: number
  readonly graphql: number
  readonly rest: number
  /** null when not timed (a count-only baseline run). */
  readonly wallMs: number | null
}

function measure(sim: GitHubSimulator, wallMs: number | null): Measure {
  const requests = sim.requests
  return {
    requests: requests.length,
    writes: requests.filter((r) => r.write).length,
    mutationFields: requests.reduce((sum, r) => sum + r.mutationFields, 0),
    graphql: requests.filter((r) => r.kind === 'graphql').length,
    rest: requests.filter((r) => r.kind === 'rest').length,
    wallMs: wallMs === null ? null : Math.round(wallMs)
  }
}

function actionFailed(what: string, result: ActionResult, p: SnapshotPayload): never {
  const tail = (text: string): string =>
    text.trim() === ''
      ? '    (empty)'
      : text
          .trimEnd()
          .split(/\r?\n/)
          .slice(-40)
          .map((l) => `    | ${l}`)
          .join('\n')
  throw new BenchError(
    [
      `The action failed: ${what}`,
      `  event: ${JSON.stringify(p)}`,
      `  exit code: ${result.code}${result.timedOut ? ' (killed: timed out)' : ''}`,
      '  --- stdout (last lines) ---',
      tail(result.stdout),
      '  --- stderr (last lines) ---',
      tail(result.stderr)
    ].join('\n')
  )
}

async function runActionEvent(
  sim: GitHubSimulator,
  workspace: string,
  p: SnapshotPayload,
  what: string
): Promise<ActionResult> {
  const result = await runDispatch(
    sim,
    workspace,
    p,
    `debussy-${p.event.replace(/_/g, '-')}`,
    actionEntry()
  )
  if (result.code !== 0 || result.timedOut) actionFailed(what, result, p)
  return result
}

/** What can be compared between two simulators: issues, label names, the milestone. */
function stateOf(sim: GitHubSimulator, issues: readonly number[], milestone: number | undefined) {
  return {
    issues: issues.map((n) => {
      const issue = sim.issue(REPO, n)
      return {
        n,
        labels: [...issue.labels].sort(),
        state: issue.state,
        comments: issue.comments.length
      }
    }),
    labels: sim
      .labels(REPO)
      .map((l) => l.name)
      .sort(),
    milestone: milestone === undefined ? undefined : sim.milestone(REPO, milestone).description
  }
}

/** Differences in what both clients must agree on after the event: labels, open/closed, comments. */
function outcomeDifferences(
  a: ReturnType<typeof stateOf>,
  b: ReturnType<typeof stateOf>
): string[] {
  const diffs: string[] = []
  for (const [i, issue] of a.issues.entries()) {
    const other = b.issues[i]
    if (other === undefined) continue
    if (JSON.stringify(issue.labels) !== JSON.stringify(other.labels))
      diffs.push(`#${issue.n} labels ${issue.labels.join(',')} vs ${other.labels.join(',')}`)
    if (issue.state !== other.state) diffs.push(`#${issue.n} ${issue.state} vs ${other.state}`)
    if (issue.comments !== other.comments)
      diffs.push(`#${issue.n} ${issue.comments} vs ${other.comments} comments`)
  }
  return diffs
}

/**
 * The baseline's time from the throttling plugin's pacing alone (a lower
 * bound, within a second or two): each write waits 1 s after the previous
 * one, each comment 3 s after the previous comment.
 */
function estimateBaselineSeconds(
  sim: GitHubSimulator,
  p: Payload,
  issues: readonly number[]
): number {
  const target =
    p.event === 'phase_started'
      ? DEBUSSY_LABELS.in_progress
      : p.event === 'phase_failed'
        ? DEBUSSY_LABELS.failed
        : DEBUSSY_LABELS.completed
  const stateLabels = [DEBUSSY_LABELS.in_progress, DEBUSSY_LABELS.completed, DEBUSSY_LABELS.failed]
  let writes = sim.label(REPO, target) === undefined ? 1 : 0
  for (const n of issues) {
    const labels = sim.issue(REPO, n).labels
    writes += 1 + labels.filter((l) => l !== target && stateLabels.includes(l)).length
  }
  writes += 1 // the milestone
  // A close is a comment (3 s after the previous comment) and a PATCH, inside those 3 s.
  const closes = p.event === 'plan_completed' && p.auto_close === true ? issues.length : 0
  return writes * WRITE_SPACING_S + closes * NOTIFYING_SPACING_S
}

interface PairResult {
  readonly n: number
  readonly scenario: ScenarioName
  readonly from: string
  readonly action: Measure
  readonly baseline: Measure
  /** Whether the baseline's wall time was measured at production timings. */
  readonly baselineTimed: boolean
  readonly baselineEstimateS: number
  readonly note: string | undefined
  readonly ratios: { readonly requests: number | null; readonly wallTime: number | null }
  readonly startStatesIdentical: boolean
  readonly outcomeDifferences: string[]
}

const openSims = new Set<GitHubSimulator>()

async function freshSim(): Promise<GitHubSimulator> {
  const sim = await startSimulator()
  openSims.add(sim)
  return sim
}

async function closeSim(sim: GitHubSimulator): Promise<void> {
  openSims.delete(sim)
  await sim.close()
}

async function measurePair(n: number, scenario: Scenario, args: Args): Promise<PairResult> {
  const [simA, simB] = await Promise.all([freshSim(), freshSim()])
  try {
    const sampleA = seedSample(simA, { issues: n, phases: PHASES })
    const sampleB = seedSample(simB, { issues: n, phases: PHASES })
    if (JSON.stringify(sampleA) !== JSON.stringify(sampleB))
      throw new BenchError('the two simulators were not seeded alike')
    const issues = sampleA.issueNumbers
    const workspace = makeWorkspace(sampleA.files)
    try {
      // The same preceding events on both, in parallel: untimed.
      await Promise.all(
        [simA, simB].map(async (sim) => {
          for (const [i, p] of scenario.prep.entries()) {
            await runActionEvent(sim, workspace, p, `preparing ${scenario.name} N=${n}, step ${i}`)
          }
        })
      )
      const startA = stateOf(simA, issues, sampleA.milestone)
      const startB = stateOf(simB, issues, sampleB.milestone)
      const startStatesIdentical = JSON.stringify(startA) === JSON.stringify(startB)
      simA.resetLog()
      simB.resetLog()

      // The action, spawned as the runner spawns it.
      const result = await runActionEvent(
        simA,
        workspace,
        scenario.event,
        `${scenario.name} N=${n}`
      )
      const action = measure(simA, result.durationMs)

      // The baseline, on the other simulator, from the same state.
      const estimate = estimateBaselineSeconds(simB, scenario.event, issues)
      const timed = args.fullBaseline || estimate <= BASELINE_TIME_BUDGET_S
      const client = new BaselineClient(simB, REPO, { countOnly: !timed })
      const started = performance.now()
      const outcome = await client.sync(baselineEvent(scenario.event, issues))
      const wall = performance.now() - started
      if (outcome.errors.length > 0) {
        throw new BenchError(
          `the baseline failed on ${scenario.name} N=${n}:\n  ${outcome.errors.slice(0, 10).join('\n  ')}`
        )
      }
      const baseline = measure(simB, timed ? wall : null)
      const note = timed
        ? undefined
        : `baseline not timed: its pacing alone is ≈${Math.round(estimate)} s (> ${BASELINE_TIME_BUDGET_S} s); requests counted without throttling; --full-baseline times it`

      const diffs = outcomeDifferences(
        stateOf(simA, issues, sampleA.milestone),
        stateOf(simB, issues, sampleB.milestone)
      )
      return {
        n,
        scenario: scenario.name,
        from: scenario.from,
        action,
        baseline,
        baselineTimed: timed,
        baselineEstimateS: estimate,
        note,
        ratios: {
          requests: action.requests > 0 ? baseline.requests / action.requests : null,
          wallTime:
            baseline.wallMs !== null && action.wallMs !== null && action.wallMs > 0
              ? baseline.wallMs / action.wallMs
              : null
        },
        startStatesIdentical,
        outcomeDifferences: diffs
      }
    } finally {
      cleanup(workspace)
    }
  } finally {
    await Promise.all([closeSim(simA), closeSim(simB)])
  }
}

// ---- the 17-event plan -----------------------------------------------------------

interface PlanBudget {
  readonly issues: number
  readonly phases: number
  readonly events: number
  readonly action: {
    readonly requests: number
    readonly writes: number
    readonly mutationFields: number
    readonly wallMs: number
    readonly perEvent: {
      event: string
      phase?: string
      requests: number
      writes: number
      mutationFields: number
    }[]
  }
  readonly baseline: {
    readonly requests: number
    readonly writes: number
    readonly pacingSeconds: number
    readonly timed: false
  }
  readonly outcomeDifferences: string[]
}

async function planBudget(): Promise<PlanBudget> {
  const phases = ['1', '2', '3', '4', '5', '6', '7', '8']
  const issuesCount = 10
  const events: Payload[] = []
  let sequence = 0
  for (const [i, phase] of phases.entries()) {
    events.push(payload('phase_started', ++sequence, i, phases.length, { phase }))
    events.push(payload('phase_completed', ++sequence, i + 1, phases.length, { phase }))
  }
  events.push(
    payload('plan_completed', sequence + 1, phases.length, phases.length, { auto_close: true })
  )

  const [simA, simB] = await Promise.all([freshSim(), freshSim()])
  try {
    const sample = seedSample(simA, { issues: issuesCount, phases })
    seedSample(simB, { issues: issuesCount, phases })
    const workspace = makeWorkspace(sample.files)
    try {
      const perEvent: PlanBudget['action']['perEvent'] = []
      let wallMs = 0
      for (const [i, p] of events.entries()) {
        simA.resetLog()
        const result = await runActionEvent(simA, workspace, p, `plan run, event ${i + 1}`)
        wallMs += result.durationMs
        const m = measure(simA, null)
        perEvent.push({
          event: p.event,
          ...(p.phase === undefined ? {} : { phase: p.phase }),
          requests: m.requests,
          writes: m.writes,
          mutationFields: m.mutationFields
        })
        progress(`plan run: action event ${i + 1}/${events.length} ${p.event} ${m.requests} req`)
      }
      // The baseline as one long-lived Debussy process: one client for the whole run.
      const client = new BaselineClient(simB, REPO, { countOnly: true })
      let pacing = 0
      for (const p of events) {
        pacing += estimateBaselineSeconds(simB, p, sample.issueNumbers)
        const outcome = await client.sync(baselineEvent(p, sample.issueNumbers))
        if (outcome.errors.length > 0)
          throw new BenchError(`the baseline failed in the plan run: ${outcome.errors.join('; ')}`)
      }
      const baseline = measure(simB, null)
      const sum = (key: 'requests' | 'writes' | 'mutationFields'): number =>
        perEvent.reduce((total, e) => total + e[key], 0)
      return {
        issues: issuesCount,
        phases: phases.length,
        events: events.length,
        action: {
          requests: sum('requests'),
          writes: sum('writes'),
          mutationFields: sum('mutationFields'),
          wallMs,
          perEvent
        },
        baseline: {
          requests: baseline.requests,
          writes: baseline.writes,
          pacingSeconds: pacing,
          timed: false
        },
        outcomeDifferences: outcomeDifferences(
          stateOf(simA, sample.issueNumbers, sample.milestone),
          stateOf(simB, sample.issueNumbers, sample.milestone)
        )
      }
    } finally {
      cleanup(workspace)
    }
  } finally {
    await Promise.all([closeSim(simA), closeSim(simB)])
  }
}

// ---- settings: the default vs every #14 feature on ----------------------------------

type Setting = 'default' | 'all-on'
type SettingsStepName = 'first event' | 'validating' | 'phase_completed' | 'redelivery'

interface SettingsStep {
  readonly name: SettingsStepName
  readonly from: string
  readonly event: SnapshotPayload
}

/** One run of phase 1 through Debussy's validating state, and its completion delivered twice. */
function settingsSteps(): SettingsStep[] {
  const total = PHASES.length
  const phase = PHASES[0]
  const at = (event: SnapshotPayload['event'], sequence: number, completed: number) => ({
    event,
    plan: PLAN_PATH,
    phase,
    run_id: RUN_ID,
    sequence,
    completed_phases: completed,
    total_phases: total
  })
  const completed = at('phase_completed', 3, 1)
  return [
    {
      name: 'first event',
      from: 'phase_started on a fresh repository: all-on posts the status comments, adds the issues to the board and under the parent',
      event: at('phase_started', 1, 0)
    },
    {
      name: 'validating',
      from: 'phase_validating (Debussy’s state) after it: steady state',
      event: at('phase_validating', 2, 0)
    },
    {
      name: 'phase_completed',
      from: 'after phase_validating: steady state (comments exist, issues on the board and sub-issues already)',
      event: completed
    },
    { name: 'redelivery', from: 'the same phase_completed again', event: completed }
  ]
}

interface SettingsRow {
  readonly n: number
  readonly step: SettingsStepName
  readonly default: Measure
  readonly allOn: Measure
  /** The all-on run's requests, described: where a budget goes. */
  readonly allOnRequests: string[]
  /** Issues (linked or the parent) with more than one status comment after the all-on run. */
  readonly duplicated: string[]
}

/** A request in a few words: `GET /repos/…`, or a GraphQL operation with its top-level fields. */
function describeRequest(request: LoggedRequest): string {
  if (request.kind !== 'graphql') return `${request.method} ${request.path.split('?')[0] ?? ''}`
  const { document } = analyseGraphql(request.body)
  const counts = new Map<string, number>()
  const op = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)
  for (const selection of op?.selectionSet.selections ?? []) {
    const name = selection.kind === Kind.FIELD ? selection.name.value : '…'
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  const fields = [...counts].map(([name, count]) => (count > 1 ? `${name}×${count}` : name))
  return `GraphQL ${request.operation ?? '?'} ${fields.join(', ')}`
}

/** One setting's run of the steps on a fresh simulator: one measure per step. */
async function runSetting(
  n: number,
  setting: Setting
): Promise<{ measures: Measure[]; requests: string[][]; duplicated: string[] }> {
  const sim = await freshSim()
  try {
    const sample = seedSample(sim, { issues: n, phases: PHASES })
    let files = sample.files
    const shown = [...sample.issueNumbers]
    if (setting === 'all-on') {
      const board = addBoard(sim)
      const parent = sim.addIssue(REPO, { title: 'Payments retry queue', labels: ['bug'] })
      shown.push(parent)
      files = { ...files, '.debussy/config.yaml': allOnConfig(board, parent) }
    }
    const workspace = makeWorkspace(files)
    try {
      const measures: Measure[] = []
      const requests: string[][] = []
      for (const step of settingsSteps()) {
        sim.resetLog()
        const result = await runActionEvent(
          sim,
          workspace,
          step.event,
          `${setting} ${step.name} N=${n}`
        )
        measures.push(measure(sim, result.durationMs))
        requests.push(sim.requests.map(describeRequest))
      }
      // "Never duplicated": the all-on run must leave one status comment on each issue.
      const marker = statusMarkerStart(PLAN_PATH)
      const duplicated = shown.flatMap((number) => {
        const count = sim.issue(REPO, number).comments.filter((b) => b.includes(marker)).length
        return count > 1 ? [`${REPO}#${number} (${count})`] : []
      })
      return { measures, requests, duplicated }
    } finally {
      cleanup(workspace)
    }
  } finally {
    await closeSim(sim)
  }
}

async function settingsRows(ns: readonly number[]): Promise<SettingsRow[]> {
  const rows: SettingsRow[] = []
  for (const n of ns) {
    progress(`N=${n} settings: default, then all-on`)
    const def = await runSetting(n, 'default')
    const all = await runSetting(n, 'all-on')
    for (const [i, step] of settingsSteps().entries()) {
      const d = def.measures[i]
      const a = all.measures[i]
      if (d === undefined || a === undefined)
        throw new BenchError('internal: a step was not measured')
      rows.push({
        n,
        step: step.name,
        default: d,
        allOn: a,
        allOnRequests: all.requests[i] ?? [],
        duplicated: all.duplicated
      })
    }
  }
  return rows
}

// ---- cold start ------------------------------------------------------------------

interface ColdStart {
  readonly samples: number
  readonly actionMs: number[]
  readonly actionMedianMs: number
  readonly nodeMs: number[]
  readonly nodeMedianMs: number
  /** A bare script that sends one request at once, measured as the action is: the harness floor. */
  readonly floorMs: number[]
  readonly floorMedianMs: number
}

/** The floor: node starts, sends one request, exits; spawned and measured as the action is. */
const FIRST_REQUEST_SCRIPT = `import http from 'node:http'
const url = new URL(process.env.GITHUB_API_URL.replace(/\\/+$/, '') + '/rate_limit')
const token = process.env['INPUT_GITHUB-TOKEN']
http.get(url, { headers: { authorization: 'token ' + token } }, (res) => {
  res.resume()
  res.on('end', () => process.exit(0))
})
`

function nodeBare(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env: {} })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new BenchError(`node -e 0 exited with ${String(code)}`))
      else resolve(performance.now() - started)
    })
  })
}

async function coldStart(samples: number): Promise<ColdStart> {
  const sim = await freshSim()
  try {
    const sample = seedSample(sim, { issues: 1, phases: PHASES })
    const workspace = makeWorkspace(sample.files)
    try {
      const p = payload('phase_started', 1, 0, PHASES.length, { phase: PHASES[0] })
      // Warm-up (also applies the event, so that the measured runs only read).
      await runActionEvent(sim, workspace, p, 'cold start warm-up')
      const scriptDir = makeWorkspace({ 'first-request.mjs': FIRST_REQUEST_SCRIPT })
      const floorEntry = path.join(scriptDir, 'first-request.mjs')
      // Interleaved, so that all three see the same load.
      const actionMs: number[] = []
      const nodeMs: number[] = []
      const floorMs: number[] = []
      const firstRequest = async (entry: string | undefined): Promise<number> => {
        sim.resetLog()
        const spawnedAt = Date.now()
        const result = await runDispatch(
          sim,
          workspace,
          p,
          'debussy-phase-started',
          entry ?? actionEntry()
        )
        if (result.code !== 0 || result.timedOut) actionFailed('cold start', result, p)
        const first = sim.requests[0]
        if (first === undefined) throw new BenchError('no request reached the simulator')
        return first.at - spawnedAt
      }
      try {
        for (let i = 0; i < samples; i++) {
          actionMs.push(await firstRequest(undefined))
          floorMs.push(await firstRequest(floorEntry))
          nodeMs.push(await nodeBare())
        }
      } finally {
        cleanup(scriptDir)
      }
      return {
        samples,
        actionMs,
        actionMedianMs: Math.round(median(actionMs)),
        nodeMs: nodeMs.map((ms) => Math.round(ms)),
        nodeMedianMs: Math.round(median(nodeMs)),
        floorMs,
        floorMedianMs: Math.round(median(floorMs))
      }
    } finally {
      cleanup(workspace)
    }
  } finally {
    await closeSim(sim)
  }
}

// ---- dist ------------------------------------------------------------------------

interface DistSize {
  readonly indexBytes: number
  readonly totalBytes: number
  readonly files: number
  /** Bytes per entry of dist/ (a file, or a folder's whole content). */
  readonly entries: Record<string, number>
}

function distSize(dir: string): DistSize {
  let totalBytes = 0
  let files = 0
  const entries: Record<string, number> = {}
  const walk = (dir: string, top: string | undefined): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      const key = top ?? (entry.isDirectory() ? `${entry.name}/` : entry.name)
      if (entry.isDirectory()) walk(full, key)
      else if (entry.isFile()) {
        const size = statSync(full).size
        totalBytes += size
        entries[key] = (entries[key] ?? 0) + size
        files++
      }
    }
  }
  walk(dir, undefined)
  return { indexBytes: statSync(path.join(dir, 'index.js')).size, totalBytes, files, entries }
}

// ---- targets ---------------------------------------------------------------------

interface Target {
  readonly target: string
  readonly measured: string
  /** null: not measured in this run. */
  readonly holds: boolean | null
}

/**
 * Cold start is reported above, not a target: a workflow takes seconds to
 * start, so a few hundred milliseconds of the action's own are not noticed.
 */
function targets(
  pairs: readonly PairResult[],
  plan: PlanBudget | undefined,
  settings: readonly SettingsRow[]
): Target[] {
  const result: Target[] = []
  const pc100 = pairs.find((p) => p.n === 100 && p.scenario === 'phase_completed')
  const notMeasured = 'not measured (N=100 is not in this run)'
  result.push({
    target: 'phase_completed N=100: at most 8 requests',
    measured: pc100 ? `${pc100.action.requests} requests` : notMeasured,
    holds: pc100 ? pc100.action.requests <= 8 : null
  })
  result.push({
    target: 'phase_completed N=100: ≥ 20× fewer requests than the baseline',
    measured: pc100
      ? `${ratio(pc100.ratios.requests)} (${pc100.baseline.requests} / ${pc100.action.requests})`
      : notMeasured,
    holds: pc100 ? (pc100.ratios.requests ?? 0) >= 20 : null
  })
  result.push({
    target: 'phase_completed N=100: ≥ 10× less wall time than the baseline',
    measured: pc100
      ? pc100.ratios.wallTime === null
        ? 'baseline not timed'
        : `${ratio(pc100.ratios.wallTime)} (${seconds(pc100.baseline.wallMs)} / ${seconds(pc100.action.wallMs)})`
      : notMeasured,
    holds: pc100 && pc100.ratios.wallTime !== null ? pc100.ratios.wallTime >= 10 : null
  })
  const redeliveries = pairs.filter((p) => p.scenario === 'redelivery')
  result.push({
    target: 'redelivery: 1 request, 0 writes (every N)',
    measured:
      redeliveries.length === 0
        ? 'not measured'
        : redeliveries
            .map((p) => `N=${p.n}: ${p.action.requests} req, ${p.action.writes} writes`)
            .join('; '),
    holds:
      redeliveries.length === 0
        ? null
        : redeliveries.every((p) => p.action.requests === 1 && p.action.writes === 0)
  })
  const allOn100 = settings.find((r) => r.n === 100 && r.step === 'phase_completed')
  result.push({
    target: 'all-on phase_completed N=100 (steady state): at most 10 requests',
    measured: allOn100
      ? `${allOn100.allOn.requests} requests, ${allOn100.allOn.writes} writes`
      : notMeasured,
    holds: allOn100 ? allOn100.allOn.requests <= ALL_ON_BUDGET : null
  })
  const allOnRedeliveries = settings.filter((r) => r.step === 'redelivery')
  result.push({
    target: 'all-on redelivery: 1 request, 0 writes (every N)',
    measured:
      allOnRedeliveries.length === 0
        ? 'not measured'
        : allOnRedeliveries
            .map((r) => `N=${r.n}: ${r.allOn.requests} req, ${r.allOn.writes} writes`)
            .join('; '),
    holds:
      allOnRedeliveries.length === 0
        ? null
        : allOnRedeliveries.every((r) => r.allOn.requests === 1 && r.allOn.writes === 0)
  })
  result.push({
    target: `17-event plan (10 issues, 8 phases): ≤ 80 requests in total`,
    measured: plan ? `${plan.action.requests} requests` : 'not measured',
    holds: plan ? plan.action.requests <= 80 : null
  })
  return result
}

// ---- main ------------------------------------------------------------------------

async function reportPairs(args: Args): Promise<PairResult[]> {
  const pairs: PairResult[] = []
  for (const n of args.ns) {
    for (const scenario of scenarios()) {
      progress(`N=${n} ${scenario.name}: preparing and running`)
      const pair = await measurePair(n, scenario, args)
      pairs.push(pair)
      progress(
        `N=${n} ${scenario.name}: action ${pair.action.requests} req ${seconds(pair.action.wallMs)}; baseline ${pair.baseline.requests} req ${seconds(pair.baseline.wallMs)}`
      )
    }
  }

  say('Per event (each pair on two identically seeded simulators, action first, then baseline)')
  const rows = pairs.map((p) => [
    String(p.n),
    p.scenario,
    String(p.action.requests),
    String(p.action.writes),
    String(p.action.mutationFields),
    seconds(p.action.wallMs),
    String(p.baseline.requests),
    String(p.baseline.writes),
    String(p.baseline.mutationFields),
    p.baselineTimed ? seconds(p.baseline.wallMs) : `(≈${Math.round(p.baselineEstimateS)} s)`,
    ratio(p.ratios.requests),
    ratio(p.ratios.wallTime)
  ])
  for (const line of table(
    [
      'N',
      'scenario',
      'act req',
      'act writes',
      'act fields',
      'act wall',
      'base req',
      'base writes',
      'base fields',
      'base wall',
      'req ratio',
      'wall ratio'
    ],
    rows
  ))
    say(`  ${line}`)
  say()
  say('  req, writes: HTTP requests and write requests (POST/PATCH/PUT/DELETE, GraphQL mutations)')
  say(
    '  fields: GraphQL mutation fields (the writes inside the mutations); ratios: baseline/action'
  )
  say('  act wall: process spawn to exit; base wall: the in-process sync call (no spawn)')
  for (const scenario of scenarios()) say(`  ${scenario.name}: from ${scenario.from}`)
  for (const p of pairs) {
    if (p.note !== undefined) say(`  N=${p.n} ${p.scenario}: ${p.note}`)
    if (!p.startStatesIdentical)
      say(`  N=${p.n} ${p.scenario}: WARNING: the starting states differed`)
    if (p.outcomeDifferences.length > 0)
      say(
        `  N=${p.n} ${p.scenario}: WARNING: action and baseline ended differently: ${p.outcomeDifferences.slice(0, 5).join('; ')}`
      )
  }
  if (pairs.every((p) => p.startStatesIdentical && p.outcomeDifferences.length === 0))
    say('  every pair started from the same state and ended with the same labels, states, comments')
  say()
  return pairs
}

async function reportPlanBudget(): Promise<PlanBudget> {
  progress('17-event plan run')
  const plan = await planBudget()
  say(
    `API budget of a whole plan run: ${plan.issues} issues, ${plan.phases} phases, ${plan.events} events (phase_started + phase_completed × ${plan.phases}, plan_completed with auto_close)`
  )
  for (const line of table(
    ['client', '', 'requests', 'writes', 'time'],
    [
      [
        'action',
        '',
        String(plan.action.requests),
        String(plan.action.writes),
        `${seconds(plan.action.wallMs)} (17 spawns)`
      ],
      [
        'baseline',
        '',
        String(plan.baseline.requests),
        String(plan.baseline.writes),
        `≈${Math.round(plan.baseline.pacingSeconds)} s of pacing alone (counted untimed)`
      ]
    ]
  ))
    say(`  ${line}`)
  say(`  action per event: ${plan.action.perEvent.map((e) => `${e.requests}`).join(' ')} requests`)
  say(
    `  ratio baseline/action: ${ratio(plan.baseline.requests / Math.max(1, plan.action.requests))} requests`
  )
  if (plan.outcomeDifferences.length > 0)
    say(`  WARNING: ended differently: ${plan.outcomeDifferences.slice(0, 5).join('; ')}`)
  say()
  return plan
}

async function reportSettings(ns: readonly number[]): Promise<SettingsRow[]> {
  const rows = await settingsRows(ns)
  say('Settings side by side: the action alone, labels and progress only vs all of issue 14 on')
  say('  default  labels and the milestone progress line only (no config.yaml)')
  say(
    '  all-on   status_comment: true, parent_issue, project (Status for all six states, github-token reaches it: one token)'
  )
  const cell = (m: Measure): string[] => [
    String(m.requests),
    String(m.writes),
    String(m.mutationFields),
    seconds(m.wallMs)
  ]
  for (const line of table(
    [
      'N',
      'event',
      'def req',
      'def writes',
      'def fields',
      'def wall',
      'all req',
      'all writes',
      'all fields',
      'all wall'
    ],
    rows.map((r) => [String(r.n), r.step, ...cell(r.default), ...cell(r.allOn)])
  ))
    say(`  ${line}`)
  say()
  say(
    '  one run per setting and N, on a fresh simulator each: phase 1 started, validating, completed, and its completion delivered again'
  )
  for (const step of settingsSteps()) say(`  ${step.name}: ${step.from}`)
  say(
    `  the budget applies to the steady state: all-on phase_completed for N=100 at most ${ALL_ON_BUDGET} requests; a redelivery 1 request, 0 writes`
  )
  for (const r of rows.filter((row) => row.step === 'redelivery' && row.duplicated.length > 0))
    say(
      `  N=${r.n} all-on: WARNING: more than one status comment on ${r.duplicated.slice(0, 5).join(', ')}`
    )
  const largest = rows.filter((r) => r.step === 'phase_completed').at(-1)
  if (largest !== undefined) {
    say(`  all-on phase_completed N=${largest.n}, its ${largest.allOn.requests} requests:`)
    for (const [i, line] of largest.allOnRequests.entries()) say(`    ${i + 1}. ${line}`)
  }
  say()
  return rows
}

async function reportColdStart(args: Args): Promise<ColdStart> {
  const samples = args.quick && !args.coldStartOnly ? 5 : 15
  progress(`cold start, ${samples} samples`)
  const cold = await coldStart(samples)
  say(
    `Cold start (reported, not a target): process spawn to the action's first HTTP request, median of ${samples} runs`
  )
  say(`  action      ${millis(cold.actionMedianMs)}  (samples: ${cold.actionMs.join(', ')} ms)`)
  say(
    `  node -e 0   ${millis(cold.nodeMedianMs)}  (spawn to exit, interleaved; samples: ${cold.nodeMs.join(', ')} ms)`
  )
  say(
    `  floor       ${millis(cold.floorMedianMs)}  (a bare node script's first request, measured as the action's; samples: ${cold.floorMs.join(', ')} ms)`
  )
  say(
    `  the action spends ${millis(cold.actionMedianMs - cold.floorMedianMs)} more than the floor (medians); node -e 0 takes ≈60 ms on an idle machine of this kind`
  )
  say()
  return cold
}

async function bench(args: Args): Promise<number> {
  if (!existsSync(BUNDLE)) {
    throw new BenchError(
      `${path.relative(process.cwd(), BUNDLE)} is missing: run \`npm run bundle\` first.`
    )
  }
  const started = performance.now()
  actionCopy = copyDist()
  const load = loadavg().map((l) => l.toFixed(2))
  say('debussy-issue-sync benchmark: the action vs a per-issue baseline (Debussy’s Python sync)')
  say(
    `  action    ${path.relative(process.cwd(), BUNDLE)} spawned as the runner does, Node ${process.version}, production timings (writes and GraphQL 1 s apart)`
  )
  say(
    `            run from a copy made now (sha256 ${actionCopy.sha256.slice(0, 12)}…) outside the repository, as the runner lays out an action`
  )
  say(
    '  baseline  test-support/baseline-client.ts: REST per issue through the same Octokit (createGitHub, DEFAULT_TIMING)'
  )
  say(
    `  machine   ${cpus().length} CPUs, load ${load.join(' ')}; other jobs may share it: timings are noisy, counts are exact`
  )
  say(
    args.coldStartOnly
      ? '  only      cold start and dist/ size (--cold-start)'
      : `  N         ${args.ns.join(', ')}${args.quick ? ' (--quick)' : ''}${args.settingsOnly ? '; only the default setting vs all-on (--settings)' : ''}`
  )
  say()

  const everything = !args.coldStartOnly && !args.settingsOnly
  const pairs = everything ? await reportPairs(args) : []
  const settings = args.coldStartOnly ? [] : await reportSettings(args.ns)
  const plan = everything ? await reportPlanBudget() : undefined
  const cold = args.settingsOnly ? undefined : await reportColdStart(args)

  const dist = distSize(actionCopy?.dist ?? DIST)
  say('Bundle size')
  say(
    `  dist/index.js  ${dist.indexBytes} bytes (${(dist.indexBytes / 1024 / 1024).toFixed(2)} MiB)`
  )
  say(`  dist/ total    ${dist.totalBytes} bytes in ${dist.files} files`)
  say(
    `  of which       ${Object.entries(dist.entries)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, bytes]) => `${name} ${bytes}`)
      .join(', ')}`
  )
  say()

  const checks = targets(pairs, plan, settings)
  say('Targets (reported, never failing the bench)')
  for (const t of checks) {
    const mark = t.holds === null ? 'n/a ' : t.holds ? 'PASS' : 'MISS'
    say(`  ${mark}  ${t.target}: ${t.measured}`)
  }
  const totalMs = performance.now() - started
  say()
  say(
    `Done in ${(totalMs / 1000).toFixed(1)} s (load now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}).`
  )

  if (args.json !== undefined) {
    const file = path.resolve(args.json)
    const report = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      loadavgAtStart: load.map(Number),
      quick: args.quick,
      ns: args.ns,
      actionSha256: actionCopy.sha256,
      timing:
        'action: DEFAULT_TIMING (dist/index.js); baseline: createGitHub with DEFAULT_TIMING, count-only runs without throttling',
      scenarios: pairs,
      settings,
      planBudget: plan,
      coldStart: cold,
      dist,
      targets: checks,
      totalMs: Math.round(totalMs)
    }
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
    say(`JSON written to ${file}`)
  }
  return 0
}

async function main(): Promise<void> {
  let args: Args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`)
    process.exit(2)
  }
  stopOnSignal('bench', () => {
    removeDistCopy()
    for (const sim of openSims) void sim.close()
  })
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: over ${BENCH_DEADLINE_MS / 60_000} minutes, giving up\n`)
    killActionProcesses()
    cleanup()
    removeDistCopy()
    process.exit(1)
  }, BENCH_DEADLINE_MS)
  deadline.unref()
  let code = 1
  try {
    code = await bench(args)
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(
      `\nbench failed: ${error instanceof BenchError ? error.message : message}\n`
    )
    code = 1
  } finally {
    for (const sim of openSims) await sim.close()
    cleanup()
    removeDistCopy()
  }
  process.exitCode = code
  // Keep-alive sockets or throttling timers must not hold the process open.
  setTimeout(() => process.exit(code), 2000).unref()
}

void main()
