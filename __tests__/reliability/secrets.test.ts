/**
 * The token never shows (SPEC §7), checked on the real bundle: dist/index.js in
 * its own process with RUNNER_DEBUG=1, on a clean run, HTTP failures, a bad
 * token, a rate limit and refused input. Every byte of stdout and stderr, the
 * job summary and the outputs are searched; the only line allowed to carry it
 * is the `::add-mask::` command the runner consumes. (Every in-process run of
 * the other reliability files is scanned the same way; see reliability-harness.ts.)
 */
import { afterAll, afterEach, expect, it } from '@jest/globals'
import { startSimulator, type GitHubSimulator } from '../../test-support/github-simulator.js'
import {
  TOKEN,
  Tally,
  describeReliability,
  tokenLeaks
} from '../../test-support/reliability-harness.js'
import { FAULT_CLASSES } from '../../test-support/reliability-model.js'
import {
  cleanup,
  makeWorkspace,
  runAction,
  type ActionResult
} from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, dispatch, seedSample } from '../../test-support/sample-repo.js'

const tally = new Tally('secrets')
let sim: GitHubSimulator

afterEach(async () => {
  await sim.close()
})
afterAll(() => {
  cleanup()
  tally.save()
})

async function bundle(
  payload: Record<string, unknown>,
  options: { token?: string; inputs?: Record<string, string>; before?: () => void } = {}
): Promise<ActionResult & { leaks: string[] }> {
  sim = await startSimulator({ token: TOKEN })
  const sample = seedSample(sim)
  options.before?.()
  const token = options.token ?? TOKEN
  const result = await runAction({
    sim,
    workspace: makeWorkspace(sample.files),
    eventName: 'repository_dispatch',
    eventPayload: dispatch(payload),
    repository: REPO,
    token,
    inputs: options.inputs,
    env: { RUNNER_DEBUG: '1' },
    timeoutMs: 60_000
  })
  const leaks = tokenLeaks(token, {
    stdout: result.stdout,
    stderr: result.stderr,
    summary: result.summary,
    outputs: JSON.stringify(result.outputs)
  })
  tally.add('secrets.bundleRuns')
  tally.add('secrets.runsScanned')
  tally.add('secrets.debugRuns')
  tally.add(
    'secrets.bytesScanned',
    result.stdout.length + result.stderr.length + result.summary.length
  )
  if (leaks.length > 0) {
    tally.add('secrets.leaks', leaks.length)
    tally.note(`bundle token leak: ${leaks.join('; ')}`)
  }
  // The mask command itself must be there, first: the runner masks from then on.
  expect(result.stdout.split('\n')[0]).toBe(`::add-mask::${token}`)
  return { ...result, leaks }
}

describeReliability('the token never shows (the bundle, RUNNER_DEBUG=1)', () => {
  it('a clean run with a 5xx and a reset on the way', async () => {
    const result = await bundle(
      { event: 'phase_completed', plan: PLAN_PATH, phase: '2' },
      {
        before: () => {
          sim.injectFault({ kind: 'server-error', match: FAULT_CLASSES.observe, status: 502 })
          sim.injectFault({ kind: 'reset', match: FAULT_CLASSES.milestonePatch })
        }
      }
    )
    expect(result.code).toBe(0)
    expect(result.leaks).toEqual([])
  }, 60_000)

  it('a token GitHub refuses (401) fails the step without printing it', async () => {
    const wrong = 'ghp_Wr0ngT0kenThatMustNeverBePrinted42'
    const result = await bundle(
      { event: 'phase_started', plan: PLAN_PATH, phase: '1' },
      { token: wrong }
    )
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(/::error::.*Bad credentials/)
    expect(result.leaks).toEqual([])
    expect(
      tokenLeaks(TOKEN, { stdout: result.stdout, stderr: result.stderr, summary: result.summary })
    ).toEqual([])
  }, 60_000)

  it('a primary rate limit that resets in an hour fails the step without printing it', async () => {
    const result = await bundle(
      { event: 'phase_failed', plan: PLAN_PATH, phase: '1' },
      {
        before: () =>
          sim.injectFault({
            kind: 'primary-rate-limit',
            match: FAULT_CLASSES.observe,
            resetInSeconds: 3600
          })
      }
    )
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(/budget resets at/)
    expect(result.leaks).toEqual([])
  }, 60_000)

  it('a write refused by a secondary limit too long to wait for fails the step without printing it', async () => {
    const result = await bundle(
      { event: 'plan_completed', plan: PLAN_PATH, auto_close: true },
      {
        before: () =>
          sim.injectFault({
            kind: 'secondary-rate-limit',
            match: FAULT_CLASSES.milestonePatch,
            retryAfter: 600
          })
      }
    )
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(/Re-run the job/)
    expect(result.leaks).toEqual([])
  }, 60_000)

  it('refused input (a bad payload) fails the step without printing it', async () => {
    const result = await bundle({
      event: 'phase_started',
      plan: PLAN_PATH,
      phase: '1',
      completed_phases: 'two'
    })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(/::error::client_payload\.completed_phases/)
    expect(sim.requests).toEqual([])
    expect(result.leaks).toEqual([])
  }, 60_000)
})
