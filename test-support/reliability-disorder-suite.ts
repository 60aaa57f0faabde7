/**
 * The jest side of the disorder trials: runs a fast-check property over
 * scenarios, counts every trial, and fails with the shortest divergent ones.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { startSimulator, type GitHubSimulator } from './github-simulator.js'
import { describeDeliveries, runDisorderTrial, type Scenario } from './reliability-disorder.js'
import { SEED, TOKEN, Tally, describeReliability } from './reliability-harness.js'
import { cleanup } from './run-action.js'

export interface SuiteContext {
  readonly sim: () => GitHubSimulator
  readonly tally: Tally
}

/** A reliability describe block with one simulator and one tally, saved for the report. */
export function simulatorSuite(name: string, body: (context: SuiteContext) => void): void {
  const tally = new Tally(name)
  let sim: GitHubSimulator

  describeReliability(name, () => {
    beforeAll(async () => {
      sim = await startSimulator({ token: TOKEN })
    })
    afterAll(async () => {
      await sim.close()
      cleanup()
      tally.save()
    })
    body({ sim: () => sim, tally })
  })
}

export function disorderSuite(
  name: string,
  arbitrary: fc.Arbitrary<Scenario>,
  numRuns: number,
  seedOffset: number,
  extra?: (context: SuiteContext) => void
): void {
  simulatorSuite(name, ({ sim: currentSim, tally }) => {
    it(`${numRuns} disordered deliveries end as the in-order model says, and no person's label is lost`, async () => {
      const divergent: { scenario: Scenario; divergence: string }[] = []
      const seed = SEED + seedOffset
      // Every trial is run and counted; divergences are collected, not thrown, so that
      // the report counts all of them. fast-check supplies the seeded scenarios.
      await fc.assert(
        fc.asyncProperty(arbitrary, async (scenario) => {
          const result = await runDisorderTrial(currentSim(), scenario, tally)
          tally.add('disorder.trials')
          if (result.converged) tally.add('disorder.converged')
          if (result.divergence !== undefined) {
            tally.add('disorder.diverged')
            divergent.push({ scenario, divergence: result.divergence })
          }
          return true
        }),
        { numRuns, seed }
      )
      divergent.sort((a, b) => a.scenario.deliveries.length - b.scenario.deliveries.length)
      for (const d of divergent.slice(0, 3)) {
        tally.note(`diverged: ${describeDeliveries(d.scenario.deliveries)} → ${d.divergence}`)
      }
      expect(
        divergent
          .slice(0, 5)
          .map((d) => `${describeDeliveries(d.scenario.deliveries)}\n    → ${d.divergence}`)
      ).toEqual([])
    }, 600_000)
    extra?.({ sim: currentSim, tally })
  })
}
