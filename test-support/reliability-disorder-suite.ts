/**
 * The jest side of the disorder trials: runs a fast-check property over
 * scenarios, counts every trial, and fails with the divergent scenario fast-check
 * shrank to the fewest deliveries.
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
      // The property asserts: a divergent trial throws, so fast-check shrinks it to
      // the fewest deliveries that still diverge and reports that scenario.
      await fc.assert(
        fc.asyncProperty(arbitrary, async (scenario) => {
          const result = await runDisorderTrial(currentSim(), scenario, tally)
          tally.add('disorder.trials')
          if (result.converged) tally.add('disorder.converged')
          if (result.divergence !== undefined) tally.add('disorder.diverged')
          const delivered = describeDeliveries(scenario.deliveries)
          expect({ delivered, divergence: result.divergence }).toEqual({
            delivered,
            divergence: undefined
          })
        }),
        { numRuns, seed: SEED + seedOffset }
      )
    }, 600_000)
    extra?.({ sim: currentSim, tally })
  })
}
