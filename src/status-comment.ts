/**
 * The living status comment (`status_comment: true`): one comment per linked
 * issue that says where the run is, found again by its hidden marker and
 * edited in place. Pure: what it says, how its marker is found and read, and
 * whether a new body says anything new about the run.
 *
 * Without a milestone, its marker also keeps the plan's order guard and the
 * run's ledger (SPEC §6, §8), written as the milestone's progress block
 * writes them (progress.ts), so that out-of-order events are still refused.
 */
import type { MasterPlan, PhaseEvent } from './domain.js'
import { normalisePhaseId } from './plan/plan-file.js'
import { inertText } from './plan-text.js'
import {
  type AppliedRuns,
  type LedgerEntry,
  type PhaseState,
  type Progress,
  type RunLedger,
  MAX_RUNS,
  stateOfEvent,
  orderAttributes,
  readOrderAttributes
} from './progress.js'

/** How a phase reads in the status comment. */
export type PhaseDisplay =
  'completed' | 'running' | 'validating' | 'awaiting a person' | 'failed' | 'blocked' | 'pending'

const DISPLAY_OF_STATE: Readonly<Record<PhaseState, PhaseDisplay>> = {
  started: 'running',
  completed: 'completed',
  failed: 'failed',
  validating: 'validating',
  'awaiting-human': 'awaiting a person',
  blocked: 'blocked'
}

const ICON: Readonly<Record<PhaseDisplay, string>> = {
  completed: '✅',
  running: '🔄',
  validating: '🔍',
  'awaiting a person': '✋',
  failed: '❌',
  blocked: '⛔',
  pending: '⏳'
}

const MARKER = '<!-- debussy-issue-sync:status'
/**
 * The one line that changes with every delivery (time, workflow link): left
 * out when deciding whether the comment must be rewritten.
 */
const FOOTER = '<sub>Last event:'

/** The start of this plan's marker: `plan="…"` is closed by its quote, so no plan's key is a prefix of another's. */
export function statusMarkerStart(planKey: string): string {
  return `${MARKER} plan="${encodeURIComponent(planKey)}"`
}

/** The guard kept in the marker when the plan has no milestone to keep it in. */
export interface StatusGuard {
  readonly applied: AppliedRuns
  readonly ledger: RunLedger | undefined
}

export interface StatusPhase {
  readonly id: string
  readonly title: string
  readonly state: PhaseDisplay
}

/** The run completed: its ledger says so, or (an event without a run) this is plan_completed. */
function runCompleted(event: PhaseEvent, ledger: RunLedger | undefined): boolean {
  return (
    ledger?.planCompleted !== undefined || (ledger === undefined && event.kind === 'plan_completed')
  )
}

/**
 * Each phase's state: the run's ledger (every phase the run reported), else
 * the current event for its phase, else the plan's table (done: completed),
 * else pending. After `plan_completed` every phase not otherwise reported is
 * completed. Without a Phases table, the phases the run reported.
 */
export function phaseStates(
  plan: MasterPlan,
  event: PhaseEvent,
  ledger: RunLedger | undefined
): StatusPhase[] {
  const planDone = runCompleted(event, ledger)
  const eventEntry: [string, LedgerEntry] | undefined =
    ledger === undefined && event.phase !== undefined && event.kind !== 'plan_completed'
      ? [normalisePhaseId(event.phase), { state: stateOfEvent(event.kind), sequence: 0 }]
      : undefined
  const reported = new Map<string, LedgerEntry>(ledger?.phases ?? (eventEntry ? [eventEntry] : []))
  const rows =
    plan.phases.length > 0
      ? plan.phases.map((phase) => ({
          id: phase.id,
          title: phase.title,
          done: phase.done,
          key: normalisePhaseId(phase.id)
        }))
      : [...reported.keys()].map((key) => ({ id: key, title: '', done: false, key }))
  return rows.map((row) => {
    const entry = reported.get(row.key)
    const state: PhaseDisplay =
      entry !== undefined
        ? DISPLAY_OF_STATE[entry.state]
        : row.done || planDone
          ? 'completed'
          : 'pending'
    return { id: row.id, title: row.title, state }
  })
}

/** One line that says where the run is; from the ledger, so it is the same in any arrival order. */
export function headline(event: PhaseEvent, ledger: RunLedger | undefined): string {
  if (runCompleted(event, ledger)) return '✅ **The run completed.**'
  let newest: [string, LedgerEntry] | undefined
  for (const entry of ledger?.phases ?? []) {
    if (newest === undefined || entry[1].sequence > newest[1].sequence) newest = entry
  }
  const [id, state] =
    newest !== undefined
      ? [newest[0], DISPLAY_OF_STATE[newest[1].state]]
      : event.phase !== undefined
        ? [event.phase, DISPLAY_OF_STATE[stateOfEvent(event.kind)]]
        : [undefined, undefined]
  if (id === undefined || state === undefined) return '**The run is under way.**'
  return `${ICON[state]} **Phase ${inertText(id, 40)}: ${state}.**`
}

export interface StatusInput {
  readonly plan: MasterPlan
  readonly event: PhaseEvent
  readonly progress: Progress | undefined
  /** The ledger of this event's run (undefined: the event has no run_id and sequence). */
  readonly ledger: RunLedger | undefined
  /** Auto-close closes this issue now that the plan completed: the comment says so (no separate completion comment). */
  readonly closes: boolean
  /** Kept in the marker when the plan has no milestone. */
  readonly guard: StatusGuard | undefined
  /** The time the event was applied, and the workflow run that applied it. */
  readonly at: Date
  readonly workflowRun: string | undefined
}

/** The comment's body; every piece of plan or payload text in it is inert (plan-text.ts). */
export function renderStatusComment(input: StatusInput): string {
  const { plan, event, progress, ledger } = input
  const phases = phaseStates(plan, event, ledger)
  const runId = ledger?.runId ?? event.runId
  const lines = [
    `### 🎼 Debussy: ${inertText(plan.title)}`,
    '',
    headline(event, ledger),
    progress === undefined
      ? '📊 Progress: unknown'
      : `📊 Progress: ${progress.percent}% (${progress.completed}/${progress.total} phases)`,
    ''
  ]
  if (phases.length > 0) {
    lines.push('| Phase | Title | State |', '| --- | --- | --- |')
    for (const phase of phases) {
      lines.push(
        `| ${inertText(phase.id, 40)} | ${inertText(phase.title, 120)} | ${ICON[phase.state]} ${phase.state} |`
      )
    }
    lines.push('')
  }
  if (input.closes) {
    lines.push(
      'Auto-close is on, so this issue is closed as completed with the plan. Reopen it if there is more to do: it will not be closed again for this run.',
      ''
    )
  }
  lines.push(`Run: ${runId === undefined ? 'not named by the event' : inertText(runId, 100)}`)
  const time = `${input.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`
  lines.push(
    `${FOOTER} ${time}${input.workflowRun === undefined ? '' : ` · [workflow run](${input.workflowRun})`}</sub>`
  )
  const completed = ledger?.planCompleted !== undefined || event.kind === 'plan_completed'
  const guard =
    input.guard === undefined ? '' : orderAttributes(input.guard.applied, input.guard.ledger)
  lines.push(`${statusMarkerStart(plan.path)}${completed ? ' state="completed"' : ''}${guard} -->`)
  return lines.join('\n')
}

/** The body without its footer line: what the comment says about the run. */
function aboutTheRun(body: string): string {
  return body
    .split(/\r?\n/)
    .filter((line) => !line.startsWith(FOOTER))
    .join('\n')
}

/** Whether writing `next` over `current` changes what the comment says (time and link aside). */
export function saysSomethingNew(current: string, next: string): boolean {
  return aboutTheRun(current) !== aboutTheRun(next)
}

/** This plan's marker in a body, or undefined. */
function markerIn(body: string, planKey: string): string | undefined {
  const start = body.indexOf(statusMarkerStart(planKey))
  if (start < 0) return undefined
  const end = body.indexOf('-->', start)
  return end < 0 ? undefined : body.slice(start, end)
}

/** The comment says the run completed (read for "a person reopened it after the action closed it"). */
export function statesCompletion(body: string, planKey: string): boolean {
  return markerIn(body, planKey)?.includes(' state="completed"') === true
}

export interface ReadComment {
  readonly id: string
  readonly body: string
  /** Only the action's own comments count: anyone may paste a marker into theirs. */
  readonly viewerDidAuthor: boolean
}

/** The action's status comment of this plan: the newest, should an old one be there too. */
export function findStatusComment(
  comments: readonly ReadComment[],
  planKey: string
): { readonly id: string; readonly body: string } | undefined {
  const found = comments.filter(
    (comment) => comment.viewerDidAuthor && markerIn(comment.body, planKey) !== undefined
  )
  const last = found.at(-1)
  return last === undefined ? undefined : { id: last.id, body: last.body }
}

/**
 * The guard kept in the linked issues' status comments. Normally all say the
 * same; after a partly failed run they differ, so each run's newest sequence
 * anywhere counts (an event any issue applied is never applied again out of
 * order), and the ledger of the newest run merges its entries (the higher
 * sequence per phase).
 */
export function guardFromComments(
  bodies: readonly string[],
  planKey: string
): StatusGuard | undefined {
  const guards = bodies.flatMap((body) => {
    const marker = markerIn(body, planKey)
    return marker === undefined ? [] : [readOrderAttributes(marker)]
  })
  const first = guards.find((guard) => guard.applied.length > 0)
  if (first === undefined) return guards.length > 0 ? { applied: [], ledger: undefined } : undefined
  const sequences = new Map<string, number>()
  const order: string[] = []
  for (const guard of [first, ...guards]) {
    for (const run of guard.applied) {
      if (!sequences.has(run.runId)) order.unshift(run.runId)
      sequences.set(run.runId, Math.max(sequences.get(run.runId) ?? run.sequence, run.sequence))
    }
  }
  // The first comment's order stands (its newest run last); runs only others know come before it.
  const firstIds = first.applied.map((run) => run.runId)
  const ids = [...order.filter((id) => !firstIds.includes(id)), ...firstIds]
  const applied = ids
    .map((runId) => ({ runId, sequence: sequences.get(runId) ?? 0 }))
    .slice(-MAX_RUNS)
  let ledger = first.ledger
  for (const guard of guards) {
    if (ledger === undefined || guard.ledger?.runId !== ledger.runId) continue
    const phases = new Map(ledger.phases)
    for (const [id, entry] of guard.ledger.phases) {
      const known = phases.get(id)
      if (known === undefined || entry.sequence > known.sequence) phases.set(id, entry)
    }
    const planCompleted =
      ledger.planCompleted === undefined
        ? guard.ledger.planCompleted
        : Math.max(ledger.planCompleted, guard.ledger.planCompleted ?? 0)
    ledger = { ...ledger, phases, planCompleted }
  }
  return { applied, ledger }
}
