/**
 * Runs of a sender that sends bare events: `run_id` and `sequence`, but no
 * `completed_phases` or `total_phases` (SPEC §8: the action then computes
 * progress from the run's ledger). Shared by the pure property in
 * __tests__/reconcile.test.ts and the simulator suite
 * __tests__/reliability/disorder-bare-events.test.ts.
 */
import fc from 'fast-check'
import type { EventKind } from '../src/domain.js'

export const BARE_PHASES = ['1', '2', '2.5', '3'] as const

export interface BareEvent {
  readonly run: string
  readonly sequence: number
  readonly kind: EventKind
  readonly phase: string | undefined
}

export interface BareScenario {
  /** The run in order, each event once. */
  readonly stream: readonly BareEvent[]
  /** The same events permuted, some delivered more than once. */
  readonly deliveries: readonly BareEvent[]
}

/**
 * A run as Debussy runs it: phases in table order; each starts, then completes
 * or fails; a failed phase is retried (a new start) or ends the run; the run
 * may end with plan_completed once every phase completed.
 */
export const bareStreamArb: fc.Arbitrary<BareEvent[]> = fc
  .array(fc.constantFrom('completed', 'failed', 'stays running'), {
    minLength: 1,
    maxLength: 7
  })
  .chain((outcomes) =>
    fc.boolean().map((announceEnd) => {
      const events: BareEvent[] = []
      const push = (kind: EventKind, phase: string | undefined): void => {
        events.push({ run: 'run-a', sequence: events.length + 1, kind, phase })
      }
      let index = 0
      for (const outcome of outcomes) {
        const phase = BARE_PHASES[index]
        if (phase === undefined) break
        push('phase_started', phase)
        if (outcome === 'stays running') break
        push(outcome === 'completed' ? 'phase_completed' : 'phase_failed', phase)
        if (outcome === 'completed') index += 1
      }
      if (announceEnd && index === BARE_PHASES.length) push('plan_completed', undefined)
      return events
    })
  )

/** A stream, then its events shuffled with up to 3 duplicates. */
export const bareScenarioArb: fc.Arbitrary<BareScenario> = bareStreamArb.chain((stream) =>
  fc
    .array(fc.nat({ max: stream.length - 1 }), { maxLength: 3 })
    .map((dupes) => [...stream, ...dupes.map((i) => stream[i] as BareEvent)])
    .chain((events) =>
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })
    )
    .map((deliveries) => ({ stream, deliveries }))
)

/**
 * What the milestone must show after the whole run, written out from SPEC §6
 * and §8 (not taken from src/): plan_completed means every phase; else the
 * phases whose latest state by sequence is completed.
 */
export function expectedProgressLine(stream: readonly BareEvent[]): string {
  const total = BARE_PHASES.length
  const latest = new Map<string, BareEvent>()
  for (const e of stream) {
    const known = e.phase === undefined ? undefined : latest.get(e.phase)
    if (e.phase !== undefined && (known === undefined || known.sequence < e.sequence)) {
      latest.set(e.phase, e)
    }
  }
  const done = stream.some((e) => e.kind === 'plan_completed')
    ? total
    : [...latest.values()].filter((e) => e.kind === 'phase_completed').length
  return `📊 **Debussy Progress:** ${Math.round((100 * done) / total)}% (${done}/${total} phases)`
}

/** The state label the newest event of the run leaves (SPEC §6), default label names. */
export function expectedStateLabel(stream: readonly BareEvent[]): string {
  const newest = stream.reduce((a, b) => (b.sequence > a.sequence ? b : a))
  return newest.kind === 'phase_started'
    ? 'debussy:in-progress'
    : newest.kind === 'phase_failed'
      ? 'debussy:failed'
      : 'debussy:completed'
}

/** The version-1 client_payload of a bare event: no counts. */
export function barePayload(event: BareEvent, plan: string): Record<string, unknown> {
  return {
    event: event.kind,
    plan,
    ...(event.phase === undefined ? {} : { phase: event.phase }),
    run_id: event.run,
    sequence: event.sequence
  }
}

export function describeBare(events: readonly BareEvent[]): string {
  return events.map((e) => `#${e.sequence} ${e.kind}${e.phase ? ` ${e.phase}` : ''}`).join(', ')
}
