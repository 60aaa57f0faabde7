/**
 * Disorder, two overlapping runs (two run_ids, each numbering its own events),
 * interleaved, then permuted and duplicated. See test-support/reliability-disorder.ts.
 */
import { expect, it } from '@jest/globals'
import {
  modelStates,
  runDisorderTrial,
  type Delivery,
  type StreamEvent
} from '../../test-support/reliability-disorder.js'
import { twoRunArb } from '../../test-support/reliability-disorder.js'
import { disorderSuite } from '../../test-support/reliability-disorder-suite.js'

const event = (
  run: string,
  sequence: number,
  kind: StreamEvent['kind'],
  completed: number
): Delivery => ({
  event: { run, sequence, kind, phase: kind === 'plan_completed' ? undefined : '1', completed },
  person: undefined
})

disorderSuite(
  'disorder-two-runs',
  twoRunArb,
  Number(process.env.RELIABILITY_DISORDER_RUNS ?? 150),
  2,
  ({ sim, tally }) => {
    it('minimal counterexample: a late event of run A, delivered after run B, must not undo run A’s newer event', async () => {
      // Run A: #1 phase_started, #2 phase_completed; run B (a restart) #1 phase_failed.
      // Delivered A#2, B#1, A#1: A#1 is older than A#2, which was applied for the same
      // plan and run, so SPEC §6 says it is skipped; GitHub must still show B#1.
      const deliveries = [
        event('run-a', 2, 'phase_completed', 1),
        event('run-b', 1, 'phase_failed', 0),
        event('run-a', 1, 'phase_started', 0)
      ]
      expect(modelStates(deliveries).map((e) => `${e?.run}#${e?.sequence}`)).toEqual([
        'run-a#2',
        'run-b#1',
        'run-b#1'
      ])
      const result = await runDisorderTrial(sim(), { runs: 2, deliveries }, tally)
      expect(result.divergence).toBeUndefined()
    })
  }
)
