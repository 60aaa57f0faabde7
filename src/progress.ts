/**
 * Plan progress (`completed/total`) and the milestone description's progress
 * block: the rules of SPEC §6 for the milestone, and where the event order is kept.
 */
import type { Finding, MasterPlan, PhaseEvent } from './domain.js'
import { normalisePhaseId } from './plan-file.js'

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

/**
 * `total` is the payload's `total_phases`, else the rows of the Phases table;
 * `completed` is the payload's `completed_phases`, else the rows marked done
 * (plus this phase on `phase_completed`), and every phase on `plan_completed`.
 */
export function computeProgress(
  event: PhaseEvent,
  plan: MasterPlan,
  findings: Finding[]
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
  } else if (event.kind === 'plan_completed') {
    completed = total
  } else {
    const done = new Set(
      plan.phases.filter((phase) => phase.done).map((p) => normalisePhaseId(p.id))
    )
    if (
      event.kind === 'phase_completed' &&
      eventPhase !== undefined &&
      phaseIds.includes(eventPhase)
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
      return { start, end: endClose + 3, applied: readRuns(marker) }
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

export function renderProgressBlock(
  planKey: string,
  progress: Progress,
  applied: AppliedRuns,
  eol: string
): string {
  const last = applied.at(-1)
  const order =
    last === undefined
      ? ''
      : ` run="${encodeURIComponent(last.runId)}" seq="${last.sequence}" runs="${applied
          .map((run) => `${encodeURIComponent(run.runId)}:${run.sequence}`)
          .join(',')}"`
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
  applied: AppliedRuns
): string {
  const eol = description.includes('\r\n') ? '\r\n' : '\n'
  const block = renderProgressBlock(planKey, progress, applied, eol)
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
