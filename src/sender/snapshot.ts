/**
 * The sender's rules (SPEC §8), pure: Debussy's rows → where a run is, what
 * changed since the last look, and the version-1 payloads to dispatch.
 *
 * The `sequence` is derived from the rows alone, so a restarted watcher
 * carries on where the last one stopped: each phase execution row counts the
 * rank of its status (running 1, validating 2, awaiting_human/blocked 3,
 * completed/failed 4) and a finished run counts 1 more. Debussy only adds
 * rows and only moves a row's status forward, so every change Debussy makes
 * raises the sum, and nothing lowers it (a pause and a resume count 0).
 */
import type { EventKind } from '../domain.js'
import type { PhaseRow, RunRow, StateRows } from './state-db.js'

/** Debussy's PhaseStatus (core/models.py) → the event its row sends; `pending` sends none. */
const PHASE_EVENT: Readonly<Record<string, EventKind | undefined>> = {
  running: 'phase_started',
  validating: 'phase_validating',
  awaiting_human: 'phase_awaiting_human',
  blocked: 'phase_blocked',
  completed: 'phase_completed',
  failed: 'phase_failed'
}

const PHASE_RANK: Readonly<Record<string, number>> = {
  pending: 0,
  running: 1,
  validating: 2,
  awaiting_human: 3,
  blocked: 3,
  completed: 4,
  failed: 4
}

/** A run that Debussy has finished: it will not change again. */
export function runEnded(status: string): boolean {
  return status === 'completed' || status === 'failed'
}

/** One run as the sender sees it. */
export interface RunView {
  readonly run: RunRow
  /** This run's phase executions, by id. */
  readonly phases: readonly PhaseRow[]
  /** Phases done before this run started, that Debussy skips (a resumed plan). */
  readonly carried: readonly string[]
}

/** The version-1 `client_payload` (SPEC §2). */
export interface DispatchPayload {
  readonly event: EventKind
  readonly plan: string
  readonly phase?: string
  readonly run_id: string
  readonly sequence: number
  readonly completed_phases: number
  readonly total_phases?: number
  readonly auto_close?: boolean
}

/** What the payload needs besides the rows. */
export interface PayloadContext {
  /** The plan, relative to the repository root. */
  readonly plan: string
  /** Rows of the plan's Phases table; undefined when it has none (the action counts). */
  readonly totalPhases: number | undefined
  readonly autoClose?: boolean
}

/** `debussy-phase-started` for `phase_started`: the dispatch's event_type. */
export function eventType(event: EventKind): string {
  return `debussy-${event.replace(/_/g, '-')}`
}

/**
 * The run to follow: `runId` when given, else the one Debussy started last
 * (`started_at`, then insertion order, as `debussy status` lists them).
 */
export function selectRun(rows: StateRows, runId?: string): RunRow | undefined {
  if (runId !== undefined) return rows.runs.find((r) => r.id === runId)
  let latest: RunRow | undefined
  for (const run of rows.runs)
    if (latest === undefined || run.startedAt >= latest.startedAt) latest = run
  return latest
}

/**
 * The run with its rows. Phases completed by the run Debussy resumed from
 * (its `find_resumable_run`: the plan's latest earlier run that did not
 * complete) count as done, as Debussy skips them.
 */
export function viewOf(rows: StateRows, run: RunRow): RunView {
  const earlier = rows.runs.filter(
    (r) =>
      r.id !== run.id &&
      r.masterPlanPath === run.masterPlanPath &&
      r.startedAt < run.startedAt &&
      r.status !== 'completed'
  )
  const resumed = earlier.reduce<RunRow | undefined>(
    (latest, r) => (latest === undefined || r.startedAt >= latest.startedAt ? r : latest),
    undefined
  )
  const carried =
    resumed === undefined
      ? []
      : [
          ...new Set(
            rows.phases
              .filter((p) => p.runId === resumed.id && p.status === 'completed')
              .map((p) => p.phaseId)
          )
        ]
  return {
    run,
    phases: rows.phases.filter((p) => p.runId === run.id).sort((a, b) => a.id - b.id),
    carried
  }
}

/** The order of this state among the run's states; only grows (see the file's comment). */
export function sequenceOf(view: RunView): number {
  const phases = view.phases.reduce((sum, p) => sum + (PHASE_RANK[p.status] ?? 0), 0)
  return phases + (runEnded(view.run.status) ? 1 : 0)
}

/** Distinct phases that have a completed execution in this run, or were carried into it. */
export function completedPhases(view: RunView): number {
  const done = new Set(view.carried)
  for (const p of view.phases) if (p.status === 'completed') done.add(p.phaseId)
  return done.size
}

function payload(
  view: RunView,
  event: EventKind,
  phase: string | undefined,
  context: PayloadContext
): DispatchPayload {
  const completed = completedPhases(view)
  const total = context.totalPhases
  return {
    event,
    plan: context.plan,
    ...(phase === undefined ? {} : { phase }),
    run_id: view.run.id,
    sequence: sequenceOf(view),
    completed_phases: total === undefined ? completed : Math.min(completed, total),
    ...(total === undefined ? {} : { total_phases: total }),
    ...(context.autoClose === undefined ? {} : { auto_close: context.autoClose })
  }
}

/**
 * Where the run is, as one payload: for a watcher that starts late or again.
 * A completed run is `plan_completed`; else the latest execution's state
 * (validating, awaiting a person and blocked are named as such; a status
 * this sender does not know counts as `phase_started`). Undefined before the
 * first phase starts.
 */
export function currentSnapshot(
  view: RunView,
  context: PayloadContext
): DispatchPayload | undefined {
  if (view.run.status === 'completed') return payload(view, 'plan_completed', undefined, context)
  const latest = view.phases.at(-1)
  if (latest === undefined) return undefined
  const event =
    PHASE_EVENT[latest.status] ?? (latest.status === 'pending' ? undefined : 'phase_started')
  return event === undefined ? undefined : payload(view, event, latest.phaseId, context)
}

/**
 * What changed from `before` to `after` (the same run), one payload per
 * change that sends an event, in the order Debussy made them: executions by
 * id, then the run's own status. Each payload is the full snapshot as it was
 * right after its change, so sequences rise and a later one never undoes an
 * earlier one.
 */
export function changes(
  before: RunView,
  after: RunView,
  context: PayloadContext
): DispatchPayload[] {
  const out: DispatchPayload[] = []
  const seen = new Map(before.phases.map((p) => [p.id, p]))
  let phases = [...before.phases]
  for (const row of after.phases) {
    const old = seen.get(row.id)
    if (old !== undefined && old.status === row.status) continue
    phases = old === undefined ? [...phases, row] : phases.map((p) => (p.id === row.id ? row : p))
    const event = PHASE_EVENT[row.status]
    if (event !== undefined) {
      out.push(payload({ ...after, run: before.run, phases }, event, row.phaseId, context))
    }
  }
  if (after.run.status !== before.run.status && after.run.status === 'completed') {
    out.push(payload(after, 'plan_completed', undefined, context))
  }
  return out
}

/**
 * The payloads for a new look at the rows: a catch-up snapshot when there
 * was no earlier look at this run (a start, a restart, a new run), else the
 * changes since the last look.
 */
export function nextPayloads(
  before: RunView | undefined,
  after: RunView,
  context: PayloadContext
): DispatchPayload[] {
  if (before === undefined || before.run.id !== after.run.id) {
    const snapshot = currentSnapshot(after, context)
    return snapshot === undefined ? [] : [snapshot]
  }
  return changes(before, after, context)
}
