/**
 * A stand-in for `debussy run` in the sender's tests: plays a short run into
 * state.db through Debussy's own SQL (DebussyState), pausing between steps
 * as a real run does, then exits with the code it is given.
 *
 *   node --import tsx test-support/play-debussy-run.ts DB PLAN_PATH EXIT_CODE PAUSE_MS
 */
import { DebussyState } from './debussy-state.js'

const [db, plan, code, pause] = process.argv.slice(2)
if (db === undefined || plan === undefined) {
  process.stderr.write('usage: play-debussy-run.ts DB PLAN_PATH [EXIT_CODE] [PAUSE_MS]\n')
  process.exit(2)
}
const wait = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Number(pause ?? 150)))

const state = new DebussyState(db)
const run = state.createRun(plan)
for (const phase of ['1', '2', '3', '4']) {
  state.setCurrentPhase(run, phase)
  state.startAttempt(run, phase, 1)
  await wait()
  state.updatePhaseStatus(run, phase, 'validating')
  state.updatePhaseStatus(run, phase, 'completed')
  await wait()
}
state.updateRunStatus(run, 'completed')
process.exitCode = Number(code ?? 0)
