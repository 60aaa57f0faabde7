/**
 * Disorder, bare events: a sender that sends only run_id and sequence (no
 * completed_phases, no total_phases), its run's events permuted and some
 * delivered twice (fast-check, seeded). Each trial delivers the run in order
 * to one repository and disordered to another, through the whole action
 * against the simulator, and asserts that both end with the same state labels
 * and the same milestone progress (SPEC §6 ordering, §8 the run's ledger).
 * The pure counterpart with more trials is in __tests__/reconcile.test.ts.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  BARE_PHASES,
  type BareEvent,
  bareScenarioArb,
  barePayload,
  describeBare,
  expectedProgressLine,
  expectedStateLabel
} from '../../test-support/bare-events.js'
import { startSimulator, type GitHubSimulator } from '../../test-support/github-simulator.js'
import {
  SEED,
  TOKEN,
  Tally,
  describeReliability,
  runScanned
} from '../../test-support/reliability-harness.js'
import { STATE_LABELS } from '../../test-support/reliability-model.js'
import { cleanup, makeWorkspace } from '../../test-support/run-action.js'
import { MILESTONE_TEXT, PLAN_PATH, debussyPlan, dispatch } from '../../test-support/sample-repo.js'

const RUNS = Number(process.env.RELIABILITY_BARE_RUNS ?? 100)
const PROGRESS_LINE = /📊 \*\*Debussy Progress:\*\* \d+% \(\d+\/\d+ phases\)/g
const tally = new Tally('disorder-bare-events')
let sim: GitHubSimulator
let repos = 0

interface EndState {
  readonly labels: string[][]
  readonly progress: string[]
}

/** A fresh repository with two issues in one milestone; the events delivered one by one. */
async function deliver(events: readonly BareEvent[]): Promise<EndState> {
  const repo = `acme/bare-${++repos}`
  sim.addRepo(repo)
  for (const label of Object.values(STATE_LABELS)) sim.addLabel(repo, label)
  const milestone = sim.addMilestone(repo, { title: 'Q4 reliability', description: MILESTONE_TEXT })
  const numbers = [
    sim.addIssue(repo, { labels: ['bug'], milestone }),
    sim.addIssue(repo, { labels: ['team:payments'], milestone })
  ]
  const workspace = makeWorkspace({ [PLAN_PATH]: debussyPlan(numbers, BARE_PHASES, repo) })
  try {
    for (const event of events) {
      const result = await runScanned(tally, {
        apiUrl: sim.apiUrl,
        graphqlUrl: sim.graphqlUrl,
        token: TOKEN,
        workspace,
        repository: repo,
        eventName: 'repository_dispatch',
        eventPayload: dispatch(barePayload(event, PLAN_PATH))
      })
      tally.add('disorder.deliveries')
      expect({ failed: result.failed, leaks: result.leaks }).toEqual({ failed: false, leaks: [] })
    }
  } finally {
    cleanup(workspace)
  }
  return {
    labels: numbers.map((n) => sim.issue(repo, n).labels.filter((l) => l.startsWith('debussy:'))),
    progress: sim.milestone(repo, milestone).description.match(PROGRESS_LINE) ?? []
  }
}

describeReliability('disorder-bare-events', () => {
  beforeAll(async () => {
    sim = await startSimulator({ token: TOKEN })
  })
  afterAll(async () => {
    await sim.close()
    cleanup()
    tally.save()
  })

  it(`${RUNS} runs of bare events, permuted and duplicated, end with the in-order run's labels and progress`, async () => {
    await fc.assert(
      fc.asyncProperty(bareScenarioArb, async ({ stream, deliveries }) => {
        tally.add('disorder.trials')
        const inOrder = await deliver(stream)
        const disordered = await deliver(deliveries)
        const why = `delivered ${describeBare(deliveries)}`
        expect({ why, ...disordered }).toEqual({ why, ...inOrder })
        // And the in-order run is right: the newest event's state, each phase's latest state.
        const state = expectedStateLabel(stream)
        expect(inOrder.labels).toEqual([[state], [state]])
        expect(inOrder.progress).toEqual([expectedProgressLine(stream)])
        tally.add('disorder.converged')
      }),
      { numRuns: RUNS, seed: SEED + 3 }
    )
  }, 600_000)
})
