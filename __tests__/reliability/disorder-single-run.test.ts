/**
 * Disorder, one run: the plan's events delivered permuted and duplicated
 * (fast-check, seeded), people adding and removing labels before and during
 * deliveries. See test-support/reliability-disorder.ts for the model.
 */
import { singleRunArb } from '../../test-support/reliability-disorder.js'
import { disorderSuite } from '../../test-support/reliability-disorder-suite.js'

disorderSuite(
  'disorder-single-run',
  singleRunArb,
  Number(process.env.RELIABILITY_DISORDER_RUNS ?? 150),
  1
)
