/**
 * The fault-injection campaign of the reliability suite. Each trial, drawn
 * from a seed: a repository in some state, one event, up to five faults
 * (5xx, resets, slow answers, hangs, both kinds of rate limit, sometimes a
 * primary limit that resets an hour later), sometimes one more aimed at a
 * particular mutation (the comment, the close, a label change), one to three
 * writes that GitHub makes but whose answer is lost (reset, timeout, 502, an
 * unreadable 200), and sometimes a person who changes GitHub between the
 * action's read and its write. The event runs in process;
 * a failed step is re-run at most twice, as a user re-runs a job; then GitHub
 * must be where a fault-free run would have left it.
 *
 * The client runs on the simulator's held clock: an attempt ends when the
 * simulator holds its answer (a hang, a late answer, a lost timeout), and
 * every wait (rate limits, pacing, the settle before a read-back) moves that
 * clock, not real time. So a trial takes no real time for its waits, and a
 * loaded machine cannot make an answer race an attempt's timer.
 */
import { afterAll, expect, it } from '@jest/globals'
import type { EventKind } from '../src/domain.js'
import {
  FAULT_CLASSES,
  STATE_LABELS,
  STATE_OF,
  type StateName,
  type WriteKind
} from './reliability-model.js'
import {
  Random,
  SEED,
  TOKEN,
  Tally,
  describeReliability,
  errorMessages,
  runScanned,
  unexplainedFailure
} from './reliability-harness.js'
import { heldClockOf, heldTiming } from './held-clock.js'
import {
  startSimulator,
  type FaultSpec,
  type GitHubSimulator,
  type LoggedRequest,
  type LostAnswer,
  type MalformedBody
} from './github-simulator.js'
import { cleanup, makeWorkspace } from './run-action.js'
import { FAST_TIMING, type InProcessResult } from './run-in-process.js'
import { MILESTONE_TEXT, PLAN_PATH, REPO, debussyPlan, dispatch } from './sample-repo.js'

const ARCHIVE = 'acme/archive'
const PHASES = ['1', '2', '2.5', '3'] as const
const PEOPLE = ['bug', 'team:payments', 'needs-review', 'priority:high'] as const
const LEGACY_LINE = '📊 **Debussy Progress:** 25% (1/4 phases)'
const PROGRESS_LINE = /📊 \*\*Debussy Progress:\*\* \d+% \(\d+\/\d+ phases\)/g
const BEGIN = '<!-- debussy-issue-sync:begin'
const END = '<!-- debussy-issue-sync:end'
const BLOCK = '\u27e6BLOCK\u27e7'
/** Retry and rate-limit waits scale with this (FAST_TIMING: milliseconds per second). */
const UNIT_MS = FAST_TIMING.retryUnitMs
/** A slow answer that still comes in time is really delayed: at most this (ms). */
const SLOW_MAX_MS = 90

/** Mutation fields the action sends, which a fault can be aimed at. */
export type MutationField =
  | 'addComment'
  | 'closeIssue'
  | 'addLabelsToLabelable'
  | 'removeLabelsFromLabelable'
  | 'updateIssueComment'

export type { WriteKind }

/** A write GitHub makes, whose answer is then lost. */
export interface LostWrite {
  readonly at: WriteKind
  readonly fault: FaultSpec
}

export type InterferenceKind =
  | 'person-adds-label'
  | 'person-removes-label'
  | 'edit-milestone'
  | 'delete-state-label'
  | 'rename-state-label'
  | 'transfer-issue'
  | 'delete-issue'
  | 'lock-issue'

export interface IssueSpec {
  readonly pullRequest: boolean
  readonly closed: boolean
  readonly locked: boolean
  readonly people: readonly string[]
  readonly states: readonly StateName[]
}

export type Payload = Record<string, unknown>

export interface TrialSpec {
  readonly seed: number
  readonly issues: readonly IssueSpec[]
  /** The milestone's description, or undefined for no milestone. */
  readonly milestone: string | undefined
  readonly stateLabelsExist: boolean
  readonly previous: Payload | undefined
  readonly event: Payload
  readonly faults: readonly FaultSpec[]
  /** A primary limit that resets an hour from now: the step must fail and say when. */
  readonly longReset: FaultSpec | undefined
  /** A fault aimed at one kind of mutation field, armed when a request carrying it arrives. */
  readonly aimed: { readonly at: MutationField; readonly fault: FaultSpec } | undefined
  readonly interferences: readonly InterferenceKind[]
  readonly debug: boolean
  /** Writes made whose answers are lost, each armed by the first request of its kind. */
  readonly lostWrites: readonly LostWrite[]
}

/** Draws one trial from its seed: the same seed gives the same trial. */
export function drawTrial(seed: number): TrialSpec {
  const random = new Random(seed)
  const count = random.int(1, 4)
  const issues: IssueSpec[] = []
  for (let i = 0; i < count; i++) {
    const pullRequest = random.chance(0.08)
    const people = PEOPLE.filter(() => random.chance(0.35))
    const statesDrawn = random.weighted<StateName[]>([
      [[], 40],
      [[random.pick(['in-progress', 'completed', 'failed'] as const)], 50],
      [['in-progress', 'failed'], 10]
    ])
    issues.push({
      pullRequest,
      closed: !pullRequest && random.chance(0.12),
      locked: random.chance(0.08),
      people,
      states: statesDrawn
    })
  }
  const milestone = random.chance(0.85)
    ? random.weighted([
        [MILESTONE_TEXT, 60],
        [MILESTONE_TEXT.replace(/\n/g, '\r\n'), 15],
        [`${MILESTONE_TEXT}\n\n${LEGACY_LINE}\n\nTrailing words a person wrote.`, 15],
        ['', 10]
      ])
    : undefined
  const ordered = random.chance(0.5)
  const previous = random.chance(0.3)
    ? {
        event: random.pick(['phase_started', 'phase_completed', 'phase_failed'] as const),
        plan: PLAN_PATH,
        phase: random.pick(PHASES),
        ...(ordered ? { run_id: 'run-1', sequence: 1 } : {})
      }
    : undefined
  // plan_completed a little more often: closing is where a duplicate would show.
  const kind = random.weighted<EventKind>([
    ['phase_started', 2],
    ['phase_completed', 2],
    ['phase_failed', 2],
    ['plan_completed', 3]
  ])
  const event: Payload = {
    event: kind,
    plan: PLAN_PATH,
    ...(kind === 'plan_completed'
      ? random.chance(0.6)
        ? { auto_close: true }
        : {}
      : { phase: random.chance(0.05) ? '9' : random.pick(PHASES) }),
    ...(random.chance(0.5) ? { completed_phases: random.int(0, 5) } : {}),
    ...(random.chance(0.3) ? { total_phases: random.int(1, 6) } : {}),
    ...(ordered ? { run_id: 'run-1', sequence: 2 } : {})
  }

  const faults: FaultSpec[] = []
  const faultCount = random.weighted([
    [1, 20],
    [2, 30],
    [3, 25],
    [4, 15],
    [5, 10]
  ])
  for (let i = 0; i < faultCount; i++) faults.push(drawFault(random))
  const longReset = random.chance(0.1)
    ? random.pick<FaultSpec>([
        {
          kind: 'primary-rate-limit',
          match: FAULT_CLASSES.observe,
          resetInSeconds: 3600,
          times: 1
        },
        {
          kind: 'graphql-rate-limited',
          match: FAULT_CLASSES.observe,
          resetInSeconds: 3600,
          times: 1
        },
        {
          kind: 'primary-rate-limit',
          match: FAULT_CLASSES.mutation,
          resetInSeconds: 3600,
          times: 1
        },
        {
          kind: 'primary-rate-limit',
          match: FAULT_CLASSES.milestonePatch,
          resetInSeconds: 3600,
          times: 1
        }
      ])
    : undefined
  const aimed = random.chance(0.3)
    ? {
        at: random.weighted<MutationField>([
          ['addComment', 4],
          ['closeIssue', 2],
          ['addLabelsToLabelable', 2],
          ['removeLabelsFromLabelable', 2]
        ]),
        fault: random.weighted<FaultSpec>([
          [lateFault(FAULT_CLASSES.mutation, random.int(450, 700)), 5],
          [{ kind: 'server-error', match: FAULT_CLASSES.mutation, status: 502 }, 2],
          [{ kind: 'reset', match: FAULT_CLASSES.mutation }, 2],
          [{ kind: 'secondary-rate-limit', match: FAULT_CLASSES.mutation, retryAfter: 2 }, 1]
        ])
      }
    : undefined
  const interferenceCount = random.weighted([
    [0, 35],
    [1, 50],
    [2, 15]
  ])
  const interferences: InterferenceKind[] = []
  for (let i = 0; i < interferenceCount; i++) {
    interferences.push(
      random.weighted<InterferenceKind>([
        ['person-adds-label', 25],
        ['person-removes-label', 15],
        ['edit-milestone', 12],
        ['delete-state-label', 8],
        ['rename-state-label', 6],
        ['transfer-issue', 8],
        ['delete-issue', 8],
        ['lock-issue', 10]
      ])
    )
  }
  const stateLabelsExist = issues.some((i) => i.states.length > 0) || random.chance(0.5)
  const debug = random.chance(0.25)
  // Drawn last, so that the draws above stay what they were before these faults existed.
  const lostCount = random.weighted([
    [1, 15],
    [2, 45],
    [3, 40]
  ])
  const closing = kind === 'plan_completed' && event.auto_close === true
  const lostWrites: LostWrite[] = []
  for (let i = 0; i < lostCount; i++) lostWrites.push(drawLostWrite(random, closing))
  return {
    seed,
    issues,
    milestone,
    stateLabelsExist,
    previous,
    event,
    faults,
    longReset,
    aimed,
    interferences,
    debug,
    lostWrites
  }
}

/** Which write, and how its answer is lost after GitHub made it. */
function drawLostWrite(random: Random, closing: boolean): LostWrite {
  // The comment and the close come only with plan_completed and auto-close: aimed there then.
  const at = random.weighted<WriteKind>([
    ['addComment', closing ? 6 : 0],
    ['closeIssue', closing ? 5 : 0],
    ['addLabelsToLabelable', 4],
    ['removeLabelsFromLabelable', 2],
    ['milestonePatch', 3],
    ['createLabel', 2]
  ])
  const lost = random.weighted<LostAnswer>([
    ['reset', 4],
    ['timeout', 2],
    ['server-error', 3],
    ['malformed', 3]
  ])
  const match =
    at === 'milestonePatch'
      ? FAULT_CLASSES.milestonePatch
      : at === 'createLabel'
        ? FAULT_CLASSES.createLabel
        : FAULT_CLASSES.mutation
  return {
    at,
    fault: {
      kind: 'applied-then-lost',
      match,
      lost,
      times: 1,
      ...(lost === 'server-error' ? { status: random.pick([500, 502, 503, 504]) } : {}),
      ...(lost === 'malformed'
        ? { body: random.pick<MalformedBody>(['no-data', 'html', 'truncated']) }
        : {}),
      ...(lost === 'timeout' ? { delayMs: random.int(600, 900) } : {})
    }
  }
}

/** The kinds of write a logged request carries (a label mutation may add and remove at once). */
export function writeKindsOf(request: LoggedRequest): WriteKind[] {
  if (request.operation === 'mutation') {
    const query = (request.body as { query?: unknown } | undefined)?.query
    const text = typeof query === 'string' ? query : ''
    const fields: MutationField[] = [
      'addComment',
      'closeIssue',
      'addLabelsToLabelable',
      'removeLabelsFromLabelable',
      'updateIssueComment'
    ]
    return fields.filter((field) => text.includes(`${field}(`))
  }
  if (request.method === 'PATCH' && /\/milestones\/\d+$/.test(request.path))
    return ['milestonePatch']
  if (request.method === 'POST' && /\/labels$/.test(request.path)) return ['createLabel']
  return []
}

function drawFault(random: Random): FaultSpec {
  const match = random.weighted([
    [FAULT_CLASSES.observe, 22],
    [FAULT_CLASSES.mutation, 22],
    [FAULT_CLASSES.createLabel, 8],
    [FAULT_CLASSES.milestonePatch, 24],
    [FAULT_CLASSES.anyGraphql, 8],
    [FAULT_CLASSES.anyRest, 6],
    [FAULT_CLASSES.any, 10]
  ])
  const graphqlOnly = match === FAULT_CLASSES.observe || match === FAULT_CLASSES.mutation
  const kind = random.weighted<FaultSpec['kind']>([
    ['server-error', 22],
    ['reset', 14],
    ['slow', 14],
    ['hang', 4],
    ['secondary-rate-limit', 12],
    ['secondary-rate-limit-429', 10],
    ['primary-rate-limit', 12],
    ['graphql-rate-limited', graphqlOnly || match === FAULT_CLASSES.anyGraphql ? 12 : 0]
  ])
  switch (kind) {
    case 'server-error':
      return {
        kind,
        match,
        status: random.pick([500, 502, 503, 504]),
        times: random.int(1, 3)
      }
    case 'reset':
      return { kind, match, times: random.int(1, 2) }
    case 'slow':
      // Mostly in time; two in five late: the attempt times out (on the held clock,
      // at once), and GitHub applies the request anyway.
      return random.chance(0.4)
        ? lateFault(match, random.int(450, 700))
        : { kind, match, delayMs: random.int(10, SLOW_MAX_MS), times: 1 }
    case 'hang':
      // The simulator drops the connection after delayMs; the action should give up sooner.
      return { kind, match, delayMs: random.int(600, 900), times: 1 }
    case 'secondary-rate-limit':
    case 'secondary-rate-limit-429':
      return { kind, match, retryAfter: random.int(1, 3), times: random.int(1, 2) }
    case 'primary-rate-limit':
    case 'graphql-rate-limited':
      return { kind, match, resetInSeconds: random.int(1, 4), times: 1 }
    default:
      throw new Error(`no such fault ${String(kind)}`)
  }
}

/**
 * An answer that comes after the attempt's limit: the request is handled, its
 * answer held until the client gives up (`delayMs` only if it never does).
 */
function lateFault(match: FaultSpec['match'], delayMs: number): FaultSpec {
  return { kind: 'slow', late: true, match, delayMs, times: 1 }
}

// ---------------------------------------------------------------------------
// Running a trial

interface IssueRecord {
  readonly spec: IssueSpec
  readonly number: number
  readonly ref: string
  /** Labels people put there, added or removed during the run by "a person". */
  readonly people: Set<string>
  readonly removedByPerson: Set<string>
  deleted: boolean
  transferredTo: { repo: string; number: number } | undefined
  lockedMidRun: boolean
}

export interface TrialOutcome {
  readonly seed: number
  readonly converged: boolean
  /** Where GitHub differs from the fault-free result: a lost update. */
  readonly problems: readonly string[]
  /** Protocol faults that did not lose an update: waits cut short, failures unexplained. */
  readonly violations: readonly string[]
  readonly faultsInjected: number
  readonly runs: number
  readonly interferencesApplied: readonly string[]
}

function payloadOf(event: Payload): Record<string, unknown> {
  return dispatch(event)
}

/**
 * Expected progress per SPEC §6 for this plan (4 phases, none marked done).
 * Without counts in the payload, the phases done are the run's ledger (§8):
 * the previous event's phase counts when it was of the same run (ordered) and
 * this event did not give its phase a newer state.
 */
export function expectedProgress(
  event: Payload,
  previous?: Payload
): { completed: number; total: number } {
  const total = typeof event.total_phases === 'number' ? event.total_phases : PHASES.length
  const inTable = (phase: unknown): boolean => (PHASES as readonly unknown[]).includes(phase)
  let completed: number
  if (typeof event.completed_phases === 'number') completed = event.completed_phases
  else if (event.event === 'plan_completed') completed = total
  else {
    const done = new Set<unknown>()
    const sameRun =
      previous !== undefined && previous.run_id !== undefined && previous.run_id === event.run_id
    if (sameRun && previous.event === 'phase_completed' && inTable(previous.phase)) {
      done.add(previous.phase)
    }
    if (event.event === 'phase_completed' && inTable(event.phase)) done.add(event.phase)
    else done.delete(event.phase)
    completed = done.size
  }
  return { completed: Math.min(completed, total), total }
}

export function progressLineFor(progress: { completed: number; total: number }): string {
  const percent = Math.round((100 * progress.completed) / progress.total)
  return `📊 **Debussy Progress:** ${percent}% (${progress.completed}/${progress.total} phases)`
}

/** The description with this plan's block replaced by a placeholder, or undefined if there is none. */
function withoutBlock(description: string): string | undefined {
  const start = description.indexOf(BEGIN)
  if (start < 0) return undefined
  const endMarker = description.indexOf(END, start)
  const close = endMarker < 0 ? -1 : description.indexOf('-->', endMarker)
  if (close < 0) return undefined
  return description.slice(0, start) + BLOCK + description.slice(close + 3)
}

function blockText(description: string): string {
  const start = description.indexOf(BEGIN)
  const endMarker = description.indexOf(END, start)
  const close = description.indexOf('-->', endMarker)
  return description.slice(start, close + 3)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Problems with the milestone's description against the progress expected and the human text. */
export function milestoneProblems(
  before: string,
  after: string,
  personNote: string | undefined,
  expected: string
): string[] {
  const problems: string[] = []
  const begins = after.split(BEGIN).length - 1
  const lines = after.match(PROGRESS_LINE) ?? []
  if (begins !== 1) problems.push(`milestone has ${begins} progress blocks`)
  if (lines.length !== 1) problems.push(`milestone has ${lines.length} progress lines`)
  if (!after.includes(expected)) {
    problems.push(`milestone progress is "${lines.join(' | ')}", want "${expected}"`)
  }
  if (begins !== 1) return problems
  const shown = withoutBlock(after) ?? after
  const human =
    withoutBlock(before) ??
    (before.includes(LEGACY_LINE) ? before.replace(LEGACY_LINE, BLOCK) : before)
  const placedInto = (text: string, into: string): boolean =>
    into.includes(BLOCK)
      ? text === into
      : new RegExp(`^${escapeRegExp(into)}(?:\\r?\\n)*${escapeRegExp(BLOCK)}$`).test(text)
  // A person's note is kept either way: added before the action's write (the block is
  // placed into the edited text) or after it (the note follows the placed block).
  const ok =
    personNote === undefined
      ? placedInto(shown, human)
      : placedInto(shown, human + personNote) ||
        (shown.endsWith(personNote) && placedInto(shown.slice(0, -personNote.length), human))
  if (!ok) {
    problems.push(
      `milestone human text changed: ${JSON.stringify(shown.slice(0, 300))} from ${JSON.stringify(human.slice(0, 300))}`
    )
  }
  if (before.includes('\r\n') && /(?<!\r)\n/.test(blockText(after))) {
    problems.push('milestone block uses LF in a CRLF description')
  }
  return problems
}

function seedTrial(
  sim: GitHubSimulator,
  spec: TrialSpec
): { issues: IssueRecord[]; milestone: number | undefined } {
  sim.addRepo(REPO)
  sim.addRepo(ARCHIVE)
  for (const name of PEOPLE) sim.addLabel(REPO, { name, color: 'c5def5' })
  if (spec.stateLabelsExist) {
    for (const name of Object.values(STATE_LABELS)) {
      sim.addLabel(REPO, { name: name.name, color: name.color })
    }
  }
  const milestone =
    spec.milestone === undefined
      ? undefined
      : sim.addMilestone(REPO, { title: 'Q4 reliability', description: spec.milestone })
  const issues: IssueRecord[] = spec.issues.map((issue, i) => {
    const number = sim.addIssue(REPO, {
      title: `Trial issue ${i + 1}`,
      labels: [...issue.people, ...issue.states.map((s) => STATE_LABELS[s].name)],
      ...(milestone === undefined ? {} : { milestone }),
      state: issue.closed ? 'closed' : 'open',
      pullRequest: issue.pullRequest,
      locked: issue.locked
    })
    return {
      spec: issue,
      number,
      ref: `${REPO}#${number}`,
      people: new Set(issue.people),
      removedByPerson: new Set<string>(),
      deleted: false,
      transferredTo: undefined,
      lockedMidRun: false
    }
  })
  return { issues, milestone }
}

/** A person's change, made once, at the first request that matches its moment. */
function interfere(
  sim: GitHubSimulator,
  kind: InterferenceKind,
  issues: IssueRecord[],
  random: Random,
  state: { personNote: string | undefined; renamed: Set<string> },
  milestone: number | undefined
): string | undefined {
  const present = issues.filter((i) => !i.deleted && i.transferredTo === undefined)
  if (present.length === 0) return undefined
  const target = random.pick(present)
  switch (kind) {
    case 'person-adds-label': {
      const name = `person:added-${random.int(1, 99)}`
      sim.addIssueLabel(REPO, target.number, name)
      target.people.add(name)
      target.removedByPerson.delete(name)
      return `${kind} ${name} on ${target.ref}`
    }
    case 'person-removes-label': {
      const own = [...target.people]
      if (own.length === 0) return undefined
      const name = random.pick(own)
      sim.removeIssueLabel(REPO, target.number, name)
      target.people.delete(name)
      target.removedByPerson.add(name)
      return `${kind} ${name} from ${target.ref}`
    }
    case 'edit-milestone': {
      if (milestone === undefined || state.personNote !== undefined) return undefined
      const description = sim.milestone(REPO, milestone).description
      const eol = description.includes('\r\n') ? '\r\n' : '\n'
      state.personNote = `${eol}${eol}A person edited this while the sync ran.`
      sim.setMilestone(REPO, milestone, { description: description + state.personNote })
      return kind
    }
    case 'delete-state-label':
    case 'rename-state-label': {
      const existing = Object.values(STATE_LABELS)
        .map((l) => l.name)
        .filter((name) => sim.label(REPO, name) !== undefined)
      if (existing.length === 0) return undefined
      const name = random.pick(existing)
      if (kind === 'delete-state-label') {
        sim.deleteLabel(REPO, name)
      } else {
        const renamed = `renamed by a person (${name})`
        sim.renameLabel(REPO, name, renamed)
        state.renamed.add(renamed)
      }
      return `${kind} ${name}`
    }
    case 'transfer-issue': {
      if (target.spec.pullRequest) return undefined
      const number = sim.transferIssue(REPO, target.number, ARCHIVE)
      target.transferredTo = { repo: ARCHIVE, number }
      return `${kind} ${target.ref}`
    }
    case 'delete-issue':
      sim.deleteIssue(REPO, target.number)
      target.deleted = true
      return `${kind} ${target.ref}`
    case 'lock-issue':
      if (target.spec.locked) return undefined
      sim.lockIssue(REPO, target.number)
      target.lockedMidRun = true
      return `${kind} ${target.ref}`
  }
}

const SECONDARY = new Set(['secondary-rate-limit', 'secondary-rate-limit-429'])

/** Requests sent sooner after a rate-limit answer than the wait it named, on the client's clock. */
export function waitViolations(
  log: readonly LoggedRequest[],
  faults: readonly FaultSpec[],
  at: (request: LoggedRequest) => number
): string[] {
  const problems: string[] = []
  const secondaryWait = Math.min(
    ...faults.filter((f) => SECONDARY.has(f.kind)).map((f) => f.retryAfter ?? 60)
  )
  const primaryWait = Math.min(
    ...faults
      .filter((f) => f.kind === 'primary-rate-limit' || f.kind === 'graphql-rate-limited')
      .map((f) => f.resetInSeconds ?? 60)
  )
  log.forEach((request, i) => {
    const next = log[i + 1]
    if (next === undefined || request.fault === undefined) return
    let wait: number | undefined
    if (SECONDARY.has(request.fault)) wait = secondaryWait
    else if (request.fault === 'primary-rate-limit' || request.fault === 'graphql-rate-limited')
      wait = primaryWait - 1
    if (wait === undefined || !Number.isFinite(wait)) return
    const gap = at(next) - at(request)
    if (!(gap >= wait * UNIT_MS)) {
      problems.push(
        `${next.method} ${next.path} sent ${gap} ms after a ${request.fault} answer to ${request.method} ${request.path}, before the ${wait * UNIT_MS} ms it named`
      )
    }
  })
  return problems
}

export async function runTrial(spec: TrialSpec, tally: Tally): Promise<TrialOutcome> {
  const sim = await startSimulator({ token: TOKEN, seed: spec.seed })
  const random = new Random(spec.seed ^ 0x5eed)
  let workspace: string | undefined
  try {
    const { issues, milestone } = seedTrial(sim, spec)
    workspace = makeWorkspace({
      [PLAN_PATH]: debussyPlan(
        issues.map((i) => i.number),
        PHASES
      )
    })
    const env = spec.debug ? { RUNNER_DEBUG: '1' } : undefined
    const fire = async (payload: Payload): Promise<InProcessResult> => {
      const result = await runScanned(tally, {
        apiUrl: sim.apiUrl,
        graphqlUrl: sim.graphqlUrl,
        token: TOKEN,
        workspace: workspace ?? '',
        repository: REPO,
        eventName: 'repository_dispatch',
        eventPayload: payloadOf(payload),
        timing: heldTiming(sim),
        ...(env ? { env } : {})
      })
      if (spec.debug) tally.add('secrets.debugRuns')
      return result
    }

    if (spec.previous !== undefined) {
      const previous = await fire(spec.previous)
      if (previous.failed) {
        throw new Error(
          `trial ${spec.seed}: the fault-free previous event failed:\n${previous.stdout}`
        )
      }
    }
    const before = {
      milestone: milestone === undefined ? undefined : sim.milestone(REPO, milestone).description,
      issues: issues.map((i) => sim.issue(REPO, i.number))
    }

    // The person acts at the first write: after the action's one read and before its writes.
    // The milestone is edited once the action has written it (its write is the first, right
    // after the reads: GitHub has no conditional write, so an edit in that gap is the window
    // no design closes); the edit must survive the rest of the run.
    const state = { personNote: undefined as string | undefined, renamed: new Set<string>() }
    const applied: string[] = []
    const pending = [...spec.interferences]
    const unhook = sim.onRequest((request) => {
      if (pending.length === 0) return
      if (!request.write) return
      const milestoneWrite = request.method === 'PATCH' && /\/milestones\/\d+$/.test(request.path)
      // A state label is deleted or renamed at a label write: at a comment or close
      // it would come after the action's label writes, a person's own change after
      // the sync, not one it must survive.
      const labelWrite =
        request.operation === 'mutation' ||
        (request.method === 'POST' && /\/labels$/.test(request.path))
      const deferred: InterferenceKind[] = []
      while (pending.length > 0) {
        const kind = pending.shift() as InterferenceKind
        if (
          (!labelWrite && (kind === 'delete-state-label' || kind === 'rename-state-label')) ||
          (milestoneWrite && kind === 'edit-milestone')
        ) {
          deferred.push(kind)
          continue
        }
        const done = interfere(sim, kind, issues, random, state, milestone)
        if (done !== undefined) applied.push(done)
      }
      pending.push(...deferred)
    })

    sim.resetLog()
    const faultsBefore = sim.faultsInjected
    if (spec.longReset !== undefined) sim.injectFault(spec.longReset)
    for (const fault of spec.faults) sim.injectFault(fault)
    // The aimed fault is armed by the request it is aimed at, before the simulator answers it.
    let aimedFault = spec.aimed
    const unaim = sim.onRequest((request) => {
      const query = (request.body as { query?: unknown } | undefined)?.query
      if (aimedFault === undefined || request.operation !== 'mutation' || typeof query !== 'string')
        return
      if (!query.includes(`${aimedFault.at}(`)) return
      sim.injectFault({ ...aimedFault.fault, times: 1 })
      aimedFault = undefined
    })
    // Each lost write is armed by the first request of its kind, in the first run.
    const lostPending = [...spec.lostWrites]
    const unlose = sim.onRequest((request) => {
      const kinds = writeKindsOf(request)
      const index = lostPending.findIndex((lost) => kinds.includes(lost.at))
      const lost = lostPending[index]
      if (lost === undefined) return
      lostPending.splice(index, 1)
      sim.injectFault(lost.fault)
    })

    const problems: string[] = []
    const protocol: string[] = []
    const results: InProcessResult[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      const logStart = sim.requests.length
      const startedAt = Date.now()
      const result = await fire(spec.event)
      results.push(result)
      const runLog = sim.requests.slice(logStart)
      const long = spec.longReset
      if (attempt === 0 && long !== undefined) {
        const index = runLog.findIndex(
          (r) => r.fault === long.kind && r.status !== 0 && matchesLong(r, long)
        )
        const limited = runLog[index]
        if (limited !== undefined) {
          protocol.push(...longResetProblems(result, startedAt, tally))
          // REST and GraphQL have separate budgets: only the exhausted one must wait.
          const after = runLog.slice(index + 1).filter((r) => r.kind === limited.kind)
          if (after.length > 0) {
            tally.add('rateLimit.sentDuringLongLimit', after.length)
            tally.note(
              `seed ${spec.seed}: ${after.length} ${limited.kind} request(s) sent after the ${limited.kind} budget was exhausted until an hour from now (${limited.method} ${limited.path} answered ${limited.fault}; then ${after.map((r) => `${r.method} ${r.path}`).join(', ')})`
            )
          }
        }
      }
      if (!result.failed) break
      const why = unexplainedFailure(result)
      if (why === undefined) tally.add('campaign.failuresExplained')
      else {
        tally.add('campaign.failuresUnexplained')
        protocol.push(`run ${attempt + 1} failed: ${why}`)
      }
      if (attempt < 2) tally.add('campaign.reruns')
    }
    unhook()
    unaim()
    unlose()
    for (const request of sim.requests) {
      if (request.fault !== 'applied-then-lost') continue
      tally.add('lostAnswer.injected')
      for (const kind of writeKindsOf(request)) tally.add(`lostAnswer.${kind}`)
    }
    const last = results[results.length - 1]
    if (last?.failed === true) {
      problems.push(
        `still failing after 2 re-runs: ${errorMessages(last.stdout).join(' / ').slice(0, 400)}`
      )
    }
    const faultsInjected = sim.faultsInjected - faultsBefore
    sim.clearFaults()

    // In a trial with an hour-long primary limit, primary answers are judged above instead.
    const served = [...spec.faults, ...(spec.aimed === undefined ? [] : [spec.aimed.fault])]
    const judged =
      spec.longReset === undefined ? served : served.filter((f) => SECONDARY.has(f.kind))
    const violations = waitViolations(sim.requests, judged, heldClockOf(sim).at)
    if (violations.length > 0) {
      tally.add('rateLimit.waitViolations', violations.length)
      protocol.push(...violations)
    }

    problems.push(...checkConvergence(sim, spec, issues, milestone, before, state, tally))
    tally.add('campaign.interferences', applied.length)
    return {
      seed: spec.seed,
      converged: problems.length === 0,
      problems,
      violations: protocol,
      faultsInjected,
      runs: results.length,
      interferencesApplied: applied
    }
  } finally {
    await sim.close()
    if (workspace !== undefined) cleanup(workspace)
  }
}

function matchesLong(request: LoggedRequest, fault: FaultSpec): boolean {
  const match = fault.match ?? {}
  if (match.operation !== undefined && request.operation !== match.operation) return false
  if (match.method !== undefined && request.method !== match.method) return false
  return true
}

function longResetProblems(result: InProcessResult, startedAt: number, tally: Tally): string[] {
  if (!result.failed) return ['a primary limit resetting in an hour did not fail the step']
  const text = errorMessages(result.stdout).join('\n')
  const at = /resets at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/.exec(text)?.[1]
  if (at === undefined) {
    return [
      `a primary limit resetting in an hour failed the step without saying when: ${text.slice(0, 300)}`
    ]
  }
  const seconds = (Date.parse(at) - startedAt) / 1000
  if (seconds < 3500 || seconds > 3700) {
    return [
      `the step says the budget resets at ${at}, ${Math.round(seconds)} s from the run, not about an hour`
    ]
  }
  tally.add('campaign.longResetExplained')
  return []
}

function checkConvergence(
  sim: GitHubSimulator,
  spec: TrialSpec,
  issues: IssueRecord[],
  milestone: number | undefined,
  before: { milestone: string | undefined; issues: { comments: string[] }[] },
  state: { personNote: string | undefined; renamed: Set<string> },
  tally: Tally
): string[] {
  const problems: string[] = []
  const kind = spec.event.event as EventKind
  const target = STATE_LABELS[STATE_OF[kind]].name
  const stateNames = Object.values(STATE_LABELS).map((l) => l.name.toLowerCase())
  const progress = expectedProgress(spec.event, spec.previous)
  const closeExpected =
    kind === 'plan_completed' &&
    spec.event.auto_close === true &&
    progress.completed === progress.total
  let milestoneReachable = false

  issues.forEach((issue, index) => {
    if (issue.deleted) return
    if (issue.transferredTo !== undefined) {
      const moved = sim.issue(issue.transferredTo.repo, issue.transferredTo.number)
      const completions = moved.comments.filter((c) => c.includes('debussy-issue-sync:completed'))
      if (completions.length > 1)
        problems.push(`${issue.ref} (transferred): ${completions.length} completion comments`)
      return
    }
    const view = sim.issue(REPO, issue.number)
    if (view.milestone !== undefined) milestoneReachable = true
    const states = view.labels.filter((l) => stateNames.includes(l.toLowerCase()))
    if (states.length !== 1 || states[0] !== target) {
      problems.push(`${issue.ref}: state labels [${states.join(', ')}], want [${target}]`)
    }
    const lost = [...issue.people].filter((l) => !view.labels.includes(l))
    if (lost.length > 0) {
      tally.add('labels.lost', lost.length)
      problems.push(`${issue.ref}: lost people's labels ${lost.join(', ')}`)
    }
    const resurrected = [...issue.removedByPerson].filter((l) => view.labels.includes(l))
    if (resurrected.length > 0) {
      tally.add('labels.resurrected', resurrected.length)
      problems.push(`${issue.ref}: labels a person removed are back: ${resurrected.join(', ')}`)
    }
    const unexpected = view.labels.filter(
      (l) => !stateNames.includes(l.toLowerCase()) && !issue.people.has(l) && !state.renamed.has(l)
    )
    if (unexpected.length > 0)
      problems.push(`${issue.ref}: unexpected labels ${unexpected.join(', ')}`)

    const completions = view.comments.filter((c) => c.includes('debussy-issue-sync:completed'))
    const commentsBefore = before.issues[index]?.comments.length ?? 0
    // Seen by people: a comment or a close made twice is counted, whatever else the trial wanted.
    const extraComments = Math.max(0, completions.length - 1)
    const extraCloses = Math.max(0, sim.closesOf(REPO, issue.number) - 1)
    if (extraComments > 0) {
      tally.add('duplicates.comments', extraComments)
      problems.push(`${issue.ref}: ${completions.length} completion comments posted`)
    }
    if (extraCloses > 0) {
      tally.add('duplicates.closes', extraCloses)
      problems.push(`${issue.ref}: closed ${extraCloses + 1} times`)
    }
    if (issue.spec.pullRequest || issue.spec.closed || !closeExpected) {
      const want = issue.spec.closed ? 'closed' : 'open'
      if (view.state !== want) problems.push(`${issue.ref}: ${view.state}, want ${want}`)
      if (view.comments.length !== commentsBefore) {
        problems.push(
          `${issue.ref}: ${view.comments.length - commentsBefore} comment(s) posted, want none`
        )
      }
    } else {
      if (view.state !== 'closed' || view.stateReason !== 'completed') {
        problems.push(`${issue.ref}: ${view.state} (${view.stateReason}), want closed as completed`)
      }
      const wanted = issue.spec.locked ? [0] : issue.lockedMidRun ? [0, 1] : [1]
      if (!wanted.includes(completions.length)) {
        problems.push(
          `${issue.ref}: ${completions.length} completion comments, want ${wanted.join(' or ')}`
        )
      }
      if (completions.some((c) => /(^|[^\u200d])@payments-team/.test(c))) {
        problems.push(`${issue.ref}: the completion comment mentions @payments-team`)
      }
    }
  })

  const targetLabel = sim.label(REPO, target)
  if (
    targetLabel !== undefined &&
    targetLabel.color.toUpperCase() !== STATE_LABELS[STATE_OF[kind]].color
  ) {
    problems.push(
      `label ${target} has color ${targetLabel.color}, want ${STATE_LABELS[STATE_OF[kind]].color}`
    )
  }
  if (milestone !== undefined && before.milestone !== undefined && milestoneReachable) {
    const after = sim.milestone(REPO, milestone).description
    problems.push(
      ...milestoneProblems(before.milestone, after, state.personNote, progressLineFor(progress))
    )
  }
  return problems
}

/** Seeds of one shard of the campaign: shards run in parallel jest workers. */
export function shardSeeds(base: number, shard: number, trials: number): number[] {
  return Array.from({ length: trials }, (_, i) => (base + shard * 100_003 + i * 7919) >>> 0)
}

/**
 * Runs the trials of a shard and counts them; returns the trials that did not
 * converge. RELIABILITY_TRIAL=<seed> runs that one trial alone, to reproduce it.
 */
export async function runShard(seeds: readonly number[], tally: Tally): Promise<TrialOutcome[]> {
  const only = process.env.RELIABILITY_TRIAL
  const chosen = only === undefined ? seeds : [Number(only)]
  const failed: TrialOutcome[] = []
  for (const seed of chosen) {
    const outcome = await runTrial(drawTrial(seed), tally)
    tally.add('campaign.trials')
    tally.add('faults.injected', outcome.faultsInjected)
    const context = outcome.interferencesApplied.join(', ') || 'no interference'
    if (outcome.converged) {
      tally.add('campaign.converged')
      tally.add('faults.survived', outcome.faultsInjected)
    } else {
      tally.add('campaign.lostUpdates')
      tally.note(`trial seed ${seed} (${context}): ${outcome.problems[0] ?? ''}`)
    }
    for (const violation of outcome.violations) tally.note(`trial seed ${seed}: ${violation}`)
    if (!outcome.converged || outcome.violations.length > 0) failed.push(outcome)
  }
  return failed
}

/**
 * One shard of the campaign as a jest test file declares it: the shards run
 * in parallel workers. Reproduce one trial with
 * RELIABILITY_TRIAL=<seed> npm run test:reliability -- fault-campaign-<name>.
 */
export function campaignShard(shard: number, name: string): void {
  const trials = Number(process.env.RELIABILITY_TRIALS ?? 110)
  const tally = new Tally(`fault-campaign-${name}`)
  afterAll(() => tally.save())

  describeReliability(`fault campaign, shard ${name}`, () => {
    it('every trial converges to the fault-free result after at most two re-runs', async () => {
      const failed = await runShard(shardSeeds(SEED, shard, trials), tally)
      const report = failed.map(
        (t) =>
          `seed ${t.seed} after ${t.runs} run(s), ${t.interferencesApplied.join(', ') || 'no interference'}:\n  ${[...t.problems, ...t.violations].join('\n  ')}`
      )
      expect(report).toEqual([])
      // Half of the suite's 500 faults; the seeds are fixed, so this holds run after run.
      if (process.env.RELIABILITY_TRIAL === undefined && trials >= 110) {
        expect(tally.counts['faults.injected']).toBeGreaterThanOrEqual(250)
        // Half of the suite's 200 writes made whose answers were lost.
        expect(tally.counts['lostAnswer.injected']).toBeGreaterThanOrEqual(100)
      }
      expect(tally.counts['duplicates.comments'] ?? 0).toBe(0)
      expect(tally.counts['duplicates.closes'] ?? 0).toBe(0)
    }, 600_000)
  })
}
