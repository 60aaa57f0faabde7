/**
 * Disorder, bare events: a sender that sends only run_id and sequence (no
 * completed_phases, no total_phases), its run's events permuted and some
 * delivered twice (fast-check, seeded). Each trial delivers the run in order
 * to one repository and disordered to another, through the whole action
 * against the simulator, and asserts that both end with the same state labels
 * and the same milestone progress, which are those SPEC §6 and §8 give (the
 * newest event's state; each phase's latest state by sequence). The pure
 * counterpart with more trials is in __tests__/reconcile.test.ts.
 */
import { expect, it } from '@jest/globals'
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
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { deliverDispatch, seedDisorderRepo } from '../../test-support/reliability-disorder.js'
import { simulatorSuite } from '../../test-support/reliability-disorder-suite.js'
import { SEED, type Tally } from '../../test-support/reliability-harness.js'
import { cleanup, makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, debussyPlan } from '../../test-support/sample-repo.js'

const RUNS = Number(process.env.RELIABILITY_BARE_RUNS ?? 100)
const PROGRESS_LINE = /📊 \*\*Debussy Progress:\*\* \d+% \(\d+\/\d+ phases\)/g

/** A fresh repository; the events delivered one by one; its state labels and progress lines. */
async function deliver(
  sim: GitHubSimulator,
  tally: Tally,
  events: readonly BareEvent[]
): Promise<{ labels: string[][]; progress: string[] }> {
  const { repo, milestone, numbers } = seedDisorderRepo(sim, 'bare')
  const workspace = makeWorkspace({ [PLAN_PATH]: debussyPlan(numbers, BARE_PHASES, repo) })
  try {
    for (const event of events) {
      const result = await deliverDispatch(
        sim,
        tally,
        { repo, workspace },
        barePayload(event, PLAN_PATH)
      )
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

simulatorSuite('disorder-bare-events', ({ sim, tally }) => {
  it(`${RUNS} runs of bare events, permuted and duplicated, end with the in-order run's labels and progress`, async () => {
    await fc.assert(
      fc.asyncProperty(bareScenarioArb, async ({ stream, deliveries }) => {
        tally.add('disorder.trials')
        const inOrder = await deliver(sim(), tally, stream)
        const disordered = await deliver(sim(), tally, deliveries)
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
