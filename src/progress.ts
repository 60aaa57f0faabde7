/**
 * Plan progress (`completed/total`) and the milestone description's progress
 * block: the rules of SPEC §6 for the milestone, and where the event order is kept.
 */
import { STATE_FOR_EVENT, type Finding, type MasterPlan, type PhaseEvent } from './domain.js'
import { normalisePhaseId } from './plan/plan-file.js'

export interface Progress {
  readonly completed: number
  readonly total: number
  /** round(100·completed/total) */
  readonly percent: number
}

/** The newest event applied for a plan in one run, kept in its progress block's marker. */
export interface AppliedOrder {
  readonly runId: string
  readonly sequence: number
}

/**
 * The newest applied sequence of each of the last runs, most recent last.
 * Kept per run, so that a late event of one run is still recognised as old
 * after another run's event was applied. Bounded: old runs fall off.
 */
export type AppliedRuns = readonly AppliedOrder[]

/** Runs remembered per plan. */
export const MAX_RUNS = 5

/** A phase's state as the run's events last said it. */
export type PhaseState =
  'started' | 'completed' | 'failed' | 'validating' | 'awaiting-human' | 'blocked'

export interface LedgerEntry {
  readonly state: PhaseState
  /** The sequence of the event that said it: the newest wins, whatever the arrival order. */
  readonly sequence: number
}

/**
 * The run's ledger (SPEC §8): each phase's latest state by `sequence`, and the
 * sequence of `plan_completed` if it came. Merging an event keeps, per phase,
 * the entry with the higher sequence, so the ledger after a set of events is
 * the same in any arrival order and with any duplicates; progress for payloads
 * without `completed_phases` is computed from it. Kept for the run of the
 * newest applied event only (the marker's `run`).
 */
export interface RunLedger {
  readonly runId: string
  /** Keyed by normalised phase id. */
  readonly phases: ReadonlyMap<string, LedgerEntry>
  readonly planCompleted: number | undefined
}

/**
 * Phases a ledger holds: a milestone description is a few kilobytes of the
 * user's text plus this block; 200 entries are about 2.5 kB. Past it, a new
 * phase is not recorded (with a warning) and counts only on its own event.
 */
export const MAX_LEDGER_PHASES = 200

/**
 * `total` is the payload's `total_phases`, else the rows of the Phases table;
 * `completed` is the payload's `completed_phases`, else the rows marked done
 * (plus this phase on `phase_completed`), and every phase on `plan_completed`.
 */
export function computeProgress(
  event: PhaseEvent,
  plan: MasterPlan,
  findings: Finding[],
  ledger?: RunLedger
): Progress | undefined {
  const phaseIds = plan.phases.map((phase) => normalisePhaseId(phase.id))
  const eventPhase = event.phase === undefined ? undefined : normalisePhaseId(event.phase)
  if (eventPhase !== undefined && event.kind !== 'plan_completed' && plan.phases.length > 0) {
    if (!phaseIds.includes(eventPhase)) {
      findings.push({
        level: 'warning',
        message: `Phase ${event.phase} is not in the Phases table of ${plan.path} (phases: ${phaseIds.join(', ')}); its labels are still applied.`
      })
    }
  }

  const total = event.totalPhases ?? plan.phases.length
  if (total < 1) {
    findings.push({
      level: 'warning',
      message: `Progress is unknown: ${plan.path} has no "## Phases" table and the payload has no total_phases. Send total_phases, or add the table, to track milestone progress.`
    })
    return undefined
  }

  let completed: number
  if (event.completedPhases !== undefined) {
    completed = event.completedPhases
  } else if (event.kind === 'plan_completed' || ledger?.planCompleted !== undefined) {
    completed = total
  } else {
    const done = new Set(
      plan.phases.filter((phase) => phase.done).map((p) => normalisePhaseId(p.id))
    )
    // Without a table, every phase the run reports counts (total is the payload's).
    const counts = (id: string): boolean => phaseIds.length === 0 || phaseIds.includes(id)
    for (const [id, entry] of ledger?.phases ?? []) {
      if (entry.state === 'completed' && counts(id)) done.add(id)
    }
    // The ledger already holds this event unless a newer state of the phase superseded it.
    if (
      event.kind === 'phase_completed' &&
      eventPhase !== undefined &&
      counts(eventPhase) &&
      ledger?.phases.has(eventPhase) !== true
    ) {
      done.add(eventPhase)
    }
    completed = done.size
  }

  if (completed > total) {
    findings.push({
      level: 'warning',
      message: `${completed} completed phases is more than the plan's ${total} phases; counted as ${total}/${total}. Check completed_phases and total_phases in the payload, or the plan's Phases table.`
    })
    completed = total
  }
  return { completed, total, percent: Math.round((100 * completed) / total) }
}

export function formatProgress(progress: Progress): string {
  return `${progress.completed}/${progress.total}`
}

/** The visible line, exactly as SPEC §6 and Debussy's own sync write it. */
export function progressLine(progress: Progress): string {
  return `📊 **Debussy Progress:** ${progress.percent}% (${progress.completed}/${progress.total} phases)`
}

const BEGIN = '<!-- debussy-issue-sync:begin'
const END = '<!-- debussy-issue-sync:end'
/** Debussy's unmarked line; replaced by the block so that it is not duplicated. */
const LEGACY_LINE = /^📊 \*\*Debussy Progress:\*\* \d{1,3}% \(\d+\/\d+ phases\)[ \t]*$/m

interface BlockLocation {
  readonly start: number
  readonly end: number
  readonly applied: AppliedRuns
  /** The ledger of the newest applied run; undefined in a marker written before ledgers. */
  readonly ledger: RunLedger | undefined
}

/** Marker attribute values are URI-encoded: a plan path cannot close the comment. */
function attribute(text: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(text)
  if (match?.[1] === undefined) return undefined
  try {
    return decodeURIComponent(match[1])
  } catch {
    return undefined
  }
}

/** Finds this plan's block: its begin marker names the plan, its end marker closes it. */
export function findProgressBlock(description: string, planKey: string): BlockLocation | undefined {
  let from = 0
  for (;;) {
    const start = description.indexOf(BEGIN, from)
    if (start < 0) return undefined
    const markerEnd = description.indexOf('-->', start)
    if (markerEnd < 0) return undefined
    const marker = description.slice(start, markerEnd)
    const endStart = description.indexOf(END, markerEnd)
    if (endStart < 0) return undefined
    const endClose = description.indexOf('-->', endStart)
    if (endClose < 0) return undefined
    if (attribute(marker, 'plan') === planKey) {
      const applied = readRuns(marker)
      return { start, end: endClose + 3, applied, ledger: readLedger(marker, applied.at(-1)) }
    }
    from = endClose + 3
  }
}

/**
 * `runs="a:2,b:1"`: each run id URI-encoded (so neither `:` nor `,` nor `"`
 * occurs in it) and its newest applied sequence. A marker written before
 * `runs` existed has only `run` and `seq`.
 */
function readRuns(marker: string): AppliedRuns {
  const runs: AppliedOrder[] = []
  const list = /\bruns="([^"]*)"/.exec(marker)?.[1]
  if (list !== undefined) {
    for (const entry of list.split(',')) {
      const [encoded, seq] = entry.split(':')
      const sequence = Number(seq)
      if (encoded === undefined || encoded === '' || !Number.isSafeInteger(sequence)) continue
      try {
        runs.push({ runId: decodeURIComponent(encoded), sequence })
      } catch {
        // A damaged entry is dropped; the others still count.
      }
    }
    return runs.slice(-MAX_RUNS)
  }
  const runId = attribute(marker, 'run')
  const sequence = Number(attribute(marker, 'seq'))
  return runId !== undefined && Number.isSafeInteger(sequence) ? [{ runId, sequence }] : []
}

const STATE_CODES: Readonly<Record<PhaseState, string>> = {
  started: 's',
  completed: 'c',
  failed: 'f',
  validating: 'v',
  'awaiting-human': 'h',
  blocked: 'b'
}
/** The same table read the other way: one declaration, so the two cannot drift. */
const CODE_STATES: Readonly<Record<string, PhaseState>> = Object.fromEntries(
  Object.entries(STATE_CODES).map(([state, code]) => [code, state as PhaseState])
)
/** `encodeURIComponent` always encodes `$`, so no phase id can be this key. */
const PLAN_KEY = '$'

/**
 * `ledger="1:c3,2:s5,$:c9"`: each phase id URI-encoded, its state (`s`tarted,
 * `c`ompleted, `f`ailed, `v`alidating, awaiting-`h`uman, `b`locked) and the
 * sequence that said it; `$` is plan_completed. Markers written before the
 * last three codes existed read the same.
 * It belongs to the marker's `run` (the newest applied run). A damaged entry
 * is dropped; a marker without `ledger` has none (written before ledgers).
 */
function readLedger(marker: string, last: AppliedOrder | undefined): RunLedger | undefined {
  const list = /\bledger="([^"]*)"/.exec(marker)?.[1]
  if (list === undefined || last === undefined) return undefined
  const phases = new Map<string, LedgerEntry>()
  let planCompleted: number | undefined
  for (const entry of list.split(',')) {
    const match = /^([^:]+):([scfvhb])(\d{1,16})$/.exec(entry)
    const state = CODE_STATES[match?.[2] ?? '']
    const sequence = Number(match?.[3])
    if (match?.[1] === undefined || state === undefined || !Number.isSafeInteger(sequence)) continue
    if (match[1] === PLAN_KEY) {
      planCompleted = sequence
      continue
    }
    try {
      if (phases.size < MAX_LEDGER_PHASES)
        phases.set(decodeURIComponent(match[1]), { state, sequence })
    } catch {
      // A damaged id is dropped; the other entries still count.
    }
  }
  return { runId: last.runId, phases, planCompleted }
}

function renderLedger(ledger: RunLedger): string {
  const entries = [...ledger.phases].map(
    ([id, entry]) => `${encodeURIComponent(id)}:${STATE_CODES[entry.state]}${entry.sequence}`
  )
  if (ledger.planCompleted !== undefined) entries.push(`${PLAN_KEY}:c${ledger.planCompleted}`)
  return entries.join(',')
}

/**
 * The order guard and the ledger as marker attributes (` run=… seq=… runs=… ledger=…`),
 * empty without an applied run: the milestone's block and the status comment's marker write the same.
 */
export function orderAttributes(applied: AppliedRuns, ledger: RunLedger | undefined): string {
  const last = applied.at(-1)
  // The ledger is written only beside the order of its own run.
  const ledgerText =
    ledger === undefined || last === undefined || ledger.runId !== last.runId
      ? ''
      : ` ledger="${renderLedger(ledger)}"`
  return last === undefined
    ? ''
    : ` run="${encodeURIComponent(last.runId)}" seq="${last.sequence}" runs="${applied
        .map((run) => `${encodeURIComponent(run.runId)}:${run.sequence}`)
        .join(',')}"${ledgerText}`
}

/** The order guard and ledger that {@link orderAttributes} wrote into a marker. */
export function readOrderAttributes(marker: string): {
  readonly applied: AppliedRuns
  readonly ledger: RunLedger | undefined
} {
  const applied = readRuns(marker)
  return { applied, ledger: readLedger(marker, applied.at(-1)) }
}

export function renderProgressBlock(
  planKey: string,
  progress: Progress,
  applied: AppliedRuns,
  eol: string,
  ledger?: RunLedger
): string {
  const order = orderAttributes(applied, ledger)
  return [
    `${BEGIN} plan="${encodeURIComponent(planKey)}"${order} -->`,
    progressLine(progress),
    `${END} plan="${encodeURIComponent(planKey)}" -->`
  ].join(eol)
}

/**
 * The description with this plan's progress block written in: replaced in place,
 * else in place of Debussy's legacy line, else appended. Every other character,
 * line endings included, is kept.
 */
export function upsertProgressBlock(
  description: string,
  planKey: string,
  progress: Progress,
  applied: AppliedRuns,
  ledger?: RunLedger
): string {
  const eol = description.includes('\r\n') ? '\r\n' : '\n'
  const block = renderProgressBlock(planKey, progress, applied, eol, ledger)
  const existing = findProgressBlock(description, planKey)
  if (existing !== undefined) {
    return description.slice(0, existing.start) + block + description.slice(existing.end)
  }
  const legacy = LEGACY_LINE.exec(description)
  if (legacy !== null && !insideAnyBlock(description, legacy.index)) {
    return (
      description.slice(0, legacy.index) +
      block +
      description.slice(legacy.index + legacy[0].length)
    )
  }
  if (description === '') return block
  const separator = description.endsWith('\n') ? eol : eol + eol
  return description + separator + block
}

/** The legacy line of another plan's block must not be taken for Debussy's own. */
function insideAnyBlock(description: string, index: number): boolean {
  const start = description.lastIndexOf(BEGIN, index)
  if (start < 0) return false
  const end = description.indexOf(END, start)
  return end > index
}

/** The order recorded in this plan's block. */
export function appliedOrder(description: string, planKey: string): AppliedRuns {
  return findProgressBlock(description, planKey)?.applied ?? []
}

export type OrderVerdict =
  | { readonly apply: true; readonly record: AppliedRuns }
  | { readonly apply: false; readonly applied: AppliedOrder }

/**
 * An event older than the newest one applied for the same plan and run is
 * skipped; a new run starts its own numbering; an event without run_id and
 * sequence always applies and keeps what was recorded.
 */
export function judgeOrder(event: PhaseEvent, recorded: AppliedRuns): OrderVerdict {
  const { runId, sequence } = event
  if (runId === undefined || sequence === undefined) return { apply: true, record: recorded }
  const same = recorded.find((run) => run.runId === runId)
  if (same !== undefined && same.sequence > sequence) return { apply: false, applied: same }
  // This run moves to the end (most recent), and the oldest runs fall off.
  const others = recorded.filter((run) => run.runId !== runId)
  return { apply: true, record: [...others, { runId, sequence }].slice(-MAX_RUNS) }
}

/** A phase's state as an event says it: its state label's, a running phase being `started`. */
export function stateOfEvent(kind: PhaseEvent['kind']): PhaseState {
  const state = STATE_FOR_EVENT[kind]
  return state === 'in-progress' ? 'started' : state
}

/**
 * Ties (one sequence, two states: a sender's bug) resolve the same in any
 * arrival order: the later of Debussy's phase states wins.
 */
const STATE_RANK: Readonly<Record<PhaseState, number>> = {
  started: 0,
  validating: 1,
  'awaiting-human': 2,
  blocked: 3,
  failed: 4,
  completed: 5
}

function newer(entry: LedgerEntry, than: LedgerEntry | undefined): boolean {
  if (than === undefined || entry.sequence > than.sequence) return true
  return entry.sequence === than.sequence && STATE_RANK[entry.state] > STATE_RANK[than.state]
}

export interface LedgerUpdate {
  readonly ledger: RunLedger
  readonly changed: boolean
}

/**
 * Merges an event that carries `run_id` and `sequence` into its run's ledger
 * (a fresh one when `ledger` is another run's or missing): per phase the entry
 * with the higher sequence stays. With a Phases table only its phases are kept
 * (others never count); past {@link MAX_LEDGER_PHASES} a new phase is not
 * recorded, with a warning.
 */
export function recordInLedger(
  ledger: RunLedger | undefined,
  event: PhaseEvent,
  plan: MasterPlan,
  findings: Finding[]
): LedgerUpdate {
  const { runId, sequence } = event
  if (runId === undefined || sequence === undefined) {
    throw new Error('recordInLedger needs an event with run_id and sequence')
  }
  const base: RunLedger =
    ledger?.runId === runId ? ledger : { runId, phases: new Map(), planCompleted: undefined }
  if (event.kind === 'plan_completed') {
    if (base.planCompleted !== undefined && base.planCompleted >= sequence) {
      return { ledger: base, changed: ledger !== base }
    }
    return { ledger: { ...base, planCompleted: sequence }, changed: true }
  }
  if (event.phase === undefined) return { ledger: base, changed: ledger !== base }
  const id = normalisePhaseId(event.phase)
  const phaseIds = plan.phases.map((phase) => normalisePhaseId(phase.id))
  const entry: LedgerEntry = { state: stateOfEvent(event.kind), sequence }
  const known = base.phases.get(id)
  if ((phaseIds.length > 0 && !phaseIds.includes(id)) || !newer(entry, known)) {
    return { ledger: base, changed: ledger !== base }
  }
  if (known === undefined && base.phases.size >= MAX_LEDGER_PHASES) {
    findings.push({
      level: 'warning',
      message: `The run's ledger in the milestone already holds ${MAX_LEDGER_PHASES} phases: phase ${event.phase} is not recorded, so progress may undercount. Send completed_phases in the payload for plans this large.`
    })
    return { ledger: base, changed: ledger !== base }
  }
  const phases = new Map(base.phases)
  phases.set(id, entry)
  return { ledger: { ...base, phases }, changed: true }
}

/** The ledger recorded in this plan's block, if the block has one. */
export function recordedLedger(description: string, planKey: string): RunLedger | undefined {
  return findProgressBlock(description, planKey)?.ledger
}

export interface LedgerDecision {
  /** The ledger the block keeps beside the order (undefined: none). */
  readonly keep: RunLedger | undefined
  /** The ledger of this event's run that progress is computed from, if any. */
  readonly forProgress: RunLedger | undefined
  /** Whether the block's ledger changes, so the milestone must be written. */
  readonly changed: boolean
}

/**
 * What an event does to the run's ledger. An applied event with `run_id` and
 * `sequence` is merged (a new run starts a fresh ledger). A skipped (older)
 * event still adds its phase's state when it is newer for that phase: that
 * never undoes a newer state, and it is how the final progress of a run
 * without counts is the same in any arrival order. Not for a skipped event
 * with `completed_phases` (the newer event's snapshot already says more), nor
 * for a marker written before ledgers (there is nothing to add it to).
 */
export function judgeLedger(
  event: PhaseEvent,
  verdict: OrderVerdict,
  recorded: RunLedger | undefined,
  plan: MasterPlan,
  findings: Finding[]
): LedgerDecision {
  const unchanged: LedgerDecision = { keep: recorded, forProgress: undefined, changed: false }
  if (event.runId === undefined || event.sequence === undefined) return unchanged
  if (!verdict.apply && (recorded?.runId !== event.runId || event.completedPhases !== undefined)) {
    return unchanged
  }
  const update = recordInLedger(recorded, event, plan, findings)
  return { keep: update.ledger, forProgress: update.ledger, changed: update.changed }
}
