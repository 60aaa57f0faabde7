/**
 * The token never shows (SPEC §7), checked on the real bundle: dist/index.js in
 * its own process with RUNNER_DEBUG=1, on a clean run, HTTP failures, a bad
 * token, a rate limit and refused input. Every byte of stdout and stderr, the
 * job summary and the outputs are searched; the only line allowed to carry it
 * is the `::add-mask::` command the runner consumes. (Every in-process run of
 * the other reliability files is scanned the same way; see reliability-harness.ts.)
 */
import { expect, it } from '@jest/globals'
import { startSimulator, type GitHubSimulator } from '../../test-support/github-simulator.js'
import {
  TOKEN,
  fileTally,
  describeReliability,
  tokenLeaks
} from '../../test-support/reliability-harness.js'
import { FAULT_CLASSES } from '../../test-support/reliability-model.js'
import { makeWorkspace, runAction, type ActionResult } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, dispatch, seedSample } from '../../test-support/sample-repo.js'

let sim: GitHubSimulator
const tally = fileTally('secrets', () => sim)

/** A PAT for the project board (github.project), accepted beside TOKEN. */
const PROJECT_TOKEN = 'github_pat_11AProj3ctT0kenThatMustNeverShow_Q7xZ9kLmW4'

async function bundle(
  payload: Record<string, unknown>,
  options: {
    token?: string
    inputs?: Record<string, string>
    before?: () => void
    /** A board in github.project, reached with PROJECT_TOKEN only. */
    project?: boolean
  } = {}
): Promise<ActionResult & { leaks: string[] }> {
  sim = await startSimulator({
    token: TOKEN,
    ...(options.project === true ? { projectToken: PROJECT_TOKEN } : {})
  })
  const sample = seedSample(sim)
  const files: Record<string, string> = { ...sample.files }
  if (options.project === true) {
    const board = sim.addProject({ owner: 'acme' })
    files['.debussy/config.yaml'] =
      `github:\n  project:\n    url: https://github.com/orgs/acme/projects/${board}\n    values:\n      completed: Done\n      in-progress: In Progress\n`
  }
  options.before?.()
  const token = options.token ?? TOKEN
  const result = await runAction({
    sim,
    workspace: makeWorkspace(files),
    eventName: 'repository_dispatch',
    eventPayload: dispatch(payload),
    repository: REPO,
    token,
    inputs: options.inputs,
    env: { RUNNER_DEBUG: '1' },
    timeoutMs: 60_000
  })
  const places = {
    stdout: result.stdout,
    stderr: result.stderr,
    summary: result.summary,
    outputs: JSON.stringify(result.outputs)
  }
  const projectToken = options.inputs?.['project-token'] ?? ''
  const leaks = [
    ...tokenLeaks(token, places),
    ...(projectToken === '' ? [] : tokenLeaks(projectToken, places))
  ]
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
  // The project-token is masked right after it, before anything else is printed.
  if (projectToken !== '') expect(result.stdout.split('\n')[1]).toBe(`::add-mask::${projectToken}`)
  return { ...result, leaks }
}

/** phase_started with a credential GitHub refuses: the step fails saying `error`, and no token shows. */
async function refusedCredential(
  options: Parameters<typeof bundle>[1],
  error: RegExp
): Promise<ActionResult & { leaks: string[] }> {
  const result = await bundle({ event: 'phase_started', plan: PLAN_PATH, phase: '1' }, options)
  expect(result.code).not.toBe(0)
  expect(result.stdout).toMatch(error)
  expect(result.leaks).toEqual([])
  return result
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
    const result = await refusedCredential(
      { token: 'ghp_Wr0ngT0kenThatMustNeverBePrinted42' },
      /::error::.*Bad credentials/
    )
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

  it('a project-token (github.project) is masked and never shown, on a run that writes the board', async () => {
    const result = await bundle(
      { event: 'phase_completed', plan: PLAN_PATH, phase: '2' },
      {
        project: true,
        inputs: { 'project-token': PROJECT_TOKEN },
        before: () =>
          sim.injectFault({ kind: 'server-error', match: { kind: 'graphql' }, status: 502 })
      }
    )
    expect(result.code).toBe(0)
    expect(sim.projectItems('acme', 1).map((item) => item.values.Status)).toEqual([
      'Done',
      'Done',
      'Done'
    ])
    expect(result.leaks).toEqual([])
  }, 60_000)

  it('a project-token GitHub refuses (401) fails the step without printing it', async () => {
    await refusedCredential(
      {
        project: true,
        inputs: { 'project-token': 'github_pat_11AWr0ngProj3ctT0kenNeverPrinted_Z9kLmW4pV8' }
      },
      /::error::.*project https:\/\/github\.com\/orgs\/acme\/projects\/1 with the project-token: HTTP 401: Bad credentials.*Give the project-token input a token that can/
    )
    expect(sim.writes()).toEqual([])
  }, 60_000)
})
