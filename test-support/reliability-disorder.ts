/**
 * Disorder trials of the reliability suite: a plan's event stream (each event a
 * full snapshot: run_id, sequence, completed_phases, total_phases) delivered
 * permuted, duplicated, and with a second run overlapping the first, while a
 * person adds and removes labels. After every delivery GitHub must be where
 * the in-order model says.
 *
 * The model, from SPEC §6 ("an event … older than one already applied for the
 * same plan and run is skipped … A new run_id starts its own numbering"):
 * deliveries are taken in arrival order; one is skipped when an event of the
 * same run with a higher sequence was applied before; otherwise it applies,
 * and GitHub shows that event. So for one run, the newest event delivered so
 * far wins; for two runs, the last applied event wins, and a late event of a
 * run never undoes a newer event of that same run, whatever was delivered in
 * between.
 */
import fc from 'fast-check'
import type { GitHubSimulator } from './github-simulator.js'
import { TOKEN, Tally, runScanned } from './reliability-harness.js'
import type { EventKind } from '../src/domain.js'
import { STATE_LABELS, STATE_OF } from './reliability-model.js'
import { cleanup, makeWorkspace } from './run-action.js'
import { PATIENT_TIMING } from './run-in-process.js'
import { MILESTONE_TEXT, PLAN_PATH, debussyPlan, dispatch } from './sample-repo.js'

const PHASES = ['1', '2', '2.5', '3'] as const
const TOTAL = PHASES.length
const BEGIN = '<!-- debussy-issue-sync:begin'
const PROGRESS_LINE = /📊 \*\*Debussy Progress:\*\* \d+% \(\d+\/\d+ phases\)/g

/** One event of the orchestrator: a full snapshot of the run at that point. */
export interface StreamEvent {
  readonly run: string
  readonly sequence: number
  readonly kind: EventKind
  readonly phase: string | undefined
  readonly completed: number
}

/** Something a person does to the issues before (or while) an event is delivered. */
export interface PersonAction {
  readonly issue: number
  readonly add: boolean
  readonly label: string
  readonly during: boolean
}

export interface Delivery {
  readonly event: StreamEvent
  readonly person: PersonAction | undefined
}

export interface Scenario {
  readonly runs: number
  readonly deliveries: readonly Delivery[]
}

/** A run's in-order stream: phases start, complete or fail; progress never goes back. */
function streamArb(run: string, minLength: number, maxLength: number): fc.Arbitrary<StreamEvent[]> {
  return fc
    .array(
      fc.record({
        kind: fc.constantFrom<EventKind>('phase_started', 'phase_completed', 'phase_failed')
      }),
      { minLength, maxLength }
    )
    .chain((steps) =>
      fc.boolean().map((ends) => {
        let completed = 0
        const events: StreamEvent[] = steps.map((step, i) => {
          // A completed phase counts; the snapshot never goes back within a run.
          if (step.kind === 'phase_completed') completed = Math.min(completed + 1, TOTAL)
          return {
            run,
            sequence: i + 1,
            kind: step.kind,
            // The phase that just completed, or the one that started or failed.
            phase:
              PHASES[
                step.kind === 'phase_completed' ? completed - 1 : Math.min(completed, TOTAL - 1)
              ],
            completed
          }
        })
        if (ends) {
          events.push({
            run,
            sequence: events.length + 1,
            kind: 'plan_completed',
            phase: undefined,
            completed: TOTAL
          })
        }
        return events
      })
    )
}

const personArb = (issues: number): fc.Arbitrary<PersonAction | undefined> =>
  fc.option(
    fc.record({
      issue: fc.nat({ max: issues - 1 }),
      add: fc.boolean(),
      label: fc.constantFrom('person:triage', 'person:blocked', 'person:docs'),
      during: fc.boolean()
    }),
    { freq: 2, nil: undefined }
  )

/** Shuffled (or interleaved in order with a few swaps), with duplicates, 5 to 8 deliveries. */
function disorder(
  stream: readonly StreamEvent[],
  issues: number
): fc.Arbitrary<readonly Delivery[]> {
  const minDupes = Math.max(0, 5 - stream.length)
  const withDuplicates = fc
    .array(fc.nat({ max: stream.length - 1 }), {
      minLength: minDupes,
      maxLength: Math.max(minDupes, Math.min(3, 8 - stream.length))
    })
    .map((dupes) => [...stream, ...dupes.map((i) => stream[i] as StreamEvent)])
  const ordered = withDuplicates.chain((events) =>
    fc.oneof(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      // Mostly in order: a few neighbours swapped, as late webhooks do.
      fc.array(fc.nat({ max: Math.max(0, events.length - 2) }), { maxLength: 3 }).map((swaps) => {
        const out = [...events]
        for (const i of swaps) {
          const a = out[i]
          const b = out[i + 1]
          if (a !== undefined && b !== undefined) {
            out[i] = b
            out[i + 1] = a
          }
        }
        return out
      })
    )
  )
  return ordered.chain((events) =>
    fc
      .array(personArb(issues), { minLength: events.length, maxLength: events.length })
      .map((people) => events.map((event, i) => ({ event, person: people[i] })))
  )
}

/** Interleaves two in-order streams, keeping each run's own order. */
function interleave(
  a: readonly StreamEvent[],
  b: readonly StreamEvent[]
): fc.Arbitrary<StreamEvent[]> {
  return fc
    .array(fc.boolean(), { minLength: a.length + b.length, maxLength: a.length + b.length })
    .map((picks) => {
      const out: StreamEvent[] = []
      let i = 0
      let j = 0
      for (const fromA of picks) {
        const next = (fromA && i < a.length) || j >= b.length ? a[i++] : b[j++]
        if (next !== undefined) out.push(next)
      }
      return out
    })
}

export const ISSUES = 2

/** One run's stream, disordered. */
export const singleRunArb: fc.Arbitrary<Scenario> = streamArb('run-a', 3, 5).chain((stream) =>
  disorder(stream, ISSUES).map((deliveries) => ({ runs: 1, deliveries }))
)

/** Two runs (a newer one started while the first still reports), interleaved, then disordered. */
export const twoRunArb: fc.Arbitrary<Scenario> = fc
  .tuple(streamArb('run-a', 1, 3), streamArb('run-b', 1, 3))
  .chain(([a, b]) => interleave(a, b))
  .chain((stream) =>
    disorder(stream.slice(0, 6), ISSUES).map((deliveries) => ({ runs: 2, deliveries }))
  )

/** The model: what GitHub must show after each delivery (undefined: nothing applied yet). */
export function modelStates(deliveries: readonly Delivery[]): (StreamEvent | undefined)[] {
  const newest = new Map<string, number>()
  let current: StreamEvent | undefined
  return deliveries.map(({ event }) => {
    const seen = newest.get(event.run)
    if (seen === undefined || event.sequence >= seen) {
      newest.set(event.run, event.sequence)
      current = event
    }
    return current
  })
}

export function describeDeliveries(deliveries: readonly Delivery[]): string {
  return deliveries
    .map(({ event, person }) => {
      const who = person
        ? ` [person ${person.add ? '+' : '-'}${person.label} on issue ${person.issue + 1}${person.during ? ' mid-run' : ''}]`
        : ''
      return `${event.run}#${event.sequence} ${event.kind} ${event.completed}/${TOTAL}${who}`
    })
    .join(', ')
}

function payloadOf(event: StreamEvent): Record<string, unknown> {
  return {
    event: event.kind,
    plan: PLAN_PATH,
    ...(event.phase === undefined ? {} : { phase: event.phase }),
    completed_phases: event.completed,
    total_phases: TOTAL,
    run_id: event.run,
    sequence: event.sequence
  }
}

function attribute(text: string, name: string): string | undefined {
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(text)?.[1]
  return value === undefined ? undefined : decodeURIComponent(value)
}

export interface TrialResult {
  readonly converged: boolean
  /** The first delivery after which GitHub differed from the model, with what differed. */
  readonly divergence: string | undefined
}

let trialCounter = 0

/** A fresh repository of the simulator: the state labels, a milestone, two issues in it. */
export function seedDisorderRepo(
  sim: GitHubSimulator,
  prefix = 'disorder'
): { repo: string; milestone: number; numbers: number[] } {
  const repo = `acme/${prefix}-${++trialCounter}`
  sim.addRepo(repo)
  for (const label of Object.values(STATE_LABELS)) sim.addLabel(repo, label)
  const milestone = sim.addMilestone(repo, { title: 'Q4 reliability', description: MILESTONE_TEXT })
  const numbers = [
    sim.addIssue(repo, { labels: ['bug'], milestone }),
    sim.addIssue(repo, { labels: ['team:payments', 'needs-review'], milestone })
  ]
  return { repo, milestone, numbers }
}

/** Runs the action in process for one repository_dispatch, scanned for the token. */
export function deliverDispatch(
  sim: GitHubSimulator,
  tally: Tally,
  target: { repo: string; workspace: string },
  payload: Record<string, unknown>
): ReturnType<typeof runScanned> {
  return runScanned(tally, {
    apiUrl: sim.apiUrl,
    graphqlUrl: sim.graphqlUrl,
    token: TOKEN,
    workspace: target.workspace,
    repository: target.repo,
    eventName: 'repository_dispatch',
    eventPayload: dispatch(payload),
    // No timeouts tested here: a slow answer on a loaded machine is not retried.
    timing: PATIENT_TIMING
  })
}

/** Delivers a scenario to a fresh repository of the simulator and compares with the model. */
export async function runDisorderTrial(
  sim: GitHubSimulator,
  scenario: Scenario,
  tally: Tally
): Promise<TrialResult> {
  const { repo, milestone, numbers } = seedDisorderRepo(sim)
  const people = [new Set(['bug']), new Set(['team:payments', 'needs-review'])]
  const removed = [new Set<string>(), new Set<string>()]
  const workspace = makeWorkspace({ [PLAN_PATH]: debussyPlan(numbers, PHASES, repo) })
  const expected = modelStates(scenario.deliveries)
  let divergence: string | undefined
  let converged = true
  try {
    for (const [step, delivery] of scenario.deliveries.entries()) {
      const person = delivery.person
      const act = (): void => {
        if (person === undefined) return
        const n = numbers[person.issue] ?? 0
        if (person.add) {
          sim.addIssueLabel(repo, n, person.label)
          people[person.issue]?.add(person.label)
          removed[person.issue]?.delete(person.label)
        } else if (people[person.issue]?.has(person.label)) {
          sim.removeIssueLabel(repo, n, person.label)
          people[person.issue]?.delete(person.label)
          removed[person.issue]?.add(person.label)
        }
      }
      let acted = false
      const unhook = sim.onRequest((request) => {
        if (!acted && person?.during === true && request.write) {
          acted = true
          act()
        }
      })
      if (person !== undefined && !person.during) {
        act()
        acted = true
      }
      const result = await deliverDispatch(
        sim,
        tally,
        { repo, workspace },
        payloadOf(delivery.event)
      )
      unhook()
      if (!acted) act()
      tally.add('disorder.deliveries')
      const problems: string[] = []
      if (result.failed) problems.push(`the step failed: ${result.stdout.slice(-300)}`)
      if (result.leaks.length > 0) problems.push(...result.leaks)
      const want = expected[step]
      numbers.forEach((n, i) => {
        const labels = sim.issue(repo, n).labels
        const states = labels.filter((l) => l.startsWith('debussy:'))
        const wantStates = want === undefined ? [] : [STATE_LABELS[STATE_OF[want.kind]].name]
        if (states.join() !== wantStates.join()) {
          problems.push(
            `issue ${i + 1} has [${states.join(', ')}], want [${wantStates.join(', ')}]`
          )
        }
        const lost = [...(people[i] ?? [])].filter((l) => !labels.includes(l))
        const back = [...(removed[i] ?? [])].filter((l) => labels.includes(l))
        if (lost.length > 0) {
          tally.add('labels.lost', lost.length)
          problems.push(`issue ${i + 1} lost ${lost.join(', ')}`)
        }
        if (back.length > 0) {
          tally.add('labels.resurrected', back.length)
          problems.push(`issue ${i + 1} has ${back.join(', ')} back after a person removed it`)
        }
      })
      const description = sim.milestone(repo, milestone).description
      if (want !== undefined) {
        const lines = description.match(PROGRESS_LINE) ?? []
        const percent = Math.round((100 * want.completed) / TOTAL)
        const line = `📊 **Debussy Progress:** ${percent}% (${want.completed}/${TOTAL} phases)`
        if (lines.length !== 1 || lines[0] !== line) {
          problems.push(`milestone shows [${lines.join(' | ')}], want ${line}`)
        }
        const marker = description.slice(description.indexOf(BEGIN))
        const order = `${attribute(marker, 'run') ?? '?'}#${attribute(marker, 'seq') ?? '?'}`
        if (order !== `${want.run}#${want.sequence}`) {
          problems.push(`milestone records ${order}, want ${want.run}#${want.sequence}`)
        }
      }
      if (!description.startsWith(MILESTONE_TEXT)) problems.push('milestone human text changed')
      if (problems.length > 0) {
        divergence ??= `after delivery ${step + 1} (${delivery.event.run}#${delivery.event.sequence}): ${problems.join('; ')}`
        // Converged means: the end state is the model's.
        if (step === scenario.deliveries.length - 1) converged = false
      }
    }
  } finally {
    cleanup(workspace)
  }
  return { converged, divergence }
}
