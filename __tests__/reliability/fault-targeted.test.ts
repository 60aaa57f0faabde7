/**
 * Targeted fault checks: one fault each, aimed where the campaign showed (or
 * SPEC §6/§7 says) the action must behave a certain way. A user re-runs a
 * failed step at most twice; then GitHub must be where a fault-free run leaves it.
 */
import { expect, it } from '@jest/globals'
import { startSimulator, type GitHubSimulator } from '../../test-support/github-simulator.js'
import {
  TOKEN,
  fileTally,
  describeReliability,
  errorMessages,
  runScanned
} from '../../test-support/reliability-harness.js'
import { heldClockOf, heldTiming } from '../../test-support/held-clock.js'
import { createGitHub, REAL_CLOCK, TIMED_OUT } from '../../src/github/client.js'
import { FAULT_CLASSES, STATE_LABELS, WRITE_KINDS } from '../../test-support/reliability-model.js'
import { writeKindsOf, type WriteKind } from '../../test-support/reliability-campaign.js'
import type { LoggedRequest, LostAnswer } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import {
  FAST_TIMING,
  endpointsOf,
  type InProcessResult
} from '../../test-support/run-in-process.js'
import {
  PLAN_PATH,
  REPO,
  dispatch,
  seedSample,
  type Sample
} from '../../test-support/sample-repo.js'

let sim: GitHubSimulator
const tally = fileTally('fault-targeted', () => sim)
let sample: Sample
let workspace: string

async function setup(
  options: Parameters<typeof seedSample>[1] = {},
  config?: string
): Promise<void> {
  sim = await startSimulator({ token: TOKEN })
  sample = seedSample(sim, options)
  workspace = makeWorkspace(
    config === undefined ? sample.files : { ...sample.files, '.debussy/config.yaml': config }
  )
}

const STATUS_CONFIG = 'github:\n  status_comment: true\n'

async function fire(payload: Record<string, unknown>): Promise<InProcessResult> {
  const result = await runScanned(tally, {
    ...endpointsOf(sim),
    workspace,
    repository: REPO,
    eventName: 'repository_dispatch',
    eventPayload: dispatch(payload),
    // Attempts end when the simulator holds an answer, not when a loaded machine is slow.
    timing: heldTiming(sim)
  })
  expect(result.leaks).toEqual([])
  return result
}

/** Runs, then re-runs a failed step at most twice, as a user would. */
async function fireWithReruns(payload: Record<string, unknown>): Promise<InProcessResult[]> {
  const results = [await fire(payload)]
  while (results[results.length - 1]?.failed === true && results.length < 3) {
    results.push(await fire(payload))
  }
  return results
}

/** Makes a person's `change` once, at the first write (after the action's reads); says whether it did. */
function atFirstWrite(change: () => void): () => boolean {
  let done = false
  sim.onRequest((request) => {
    if (done || !request.write) return
    done = true
    change()
  })
  return () => done
}

const stateLabelsOf = (n: number): string[] =>
  sim.issue(REPO, n).labels.filter((l) => l.startsWith('debussy:'))

/** Every issue of the sample ends with debussy:completed as its one state label. */
function expectEveryIssueCompleted(): void {
  for (const n of sample.issueNumbers) {
    expect({ issue: n, labels: stateLabelsOf(n) }).toEqual({
      issue: n,
      labels: ['debussy:completed']
    })
  }
}

/** `it`, counted as a targeted check in the report. */
function targeted(name: string, test: () => Promise<void>, timeout = 30_000): void {
  it(
    name,
    async () => {
      try {
        await test()
        tally.add('targeted.passed')
      } catch (error) {
        tally.add('targeted.failed')
        tally.note(`targeted check failed: ${name}`)
        throw error
      }
    },
    timeout
  )
}

describeReliability('targeted faults', () => {
  targeted(
    'SPEC §7: a request GitHub never answers is abandoned after the attempt timeout and retried',
    async () => {
      await setup()
      // The simulator holds the answer until the client gives up (a minute at most);
      // the test's clock ends the attempt as soon as it is held.
      sim.injectFault({ kind: 'hang', match: FAULT_CLASSES.milestonePatch })
      const [result] = await fireWithReruns({
        event: 'phase_completed',
        plan: PLAN_PATH,
        phase: '1'
      })
      expect(result?.failed).toBe(false)
      const patches = sim.requests.filter((r) => r.method === 'PATCH' && /milestones/.test(r.path))
      // Abandoned (no answer logged), then the same PATCH again, answered, in the same run.
      expect(patches.map((r) => [r.fault, r.status])).toEqual([
        ['hang', 0],
        [undefined, 200]
      ])
    }
  )

  targeted(
    'SPEC §7: a write GitHub makes but answers only after the attempt gave up is retried, and lands once',
    async () => {
      await setup()
      sim.injectFault({ kind: 'slow', late: true, delayMs: 60_000, match: { method: 'PATCH' } })
      const progress = '📊 **Debussy Progress:** 25% (1/4 phases)'
      const seenByRetry: boolean[] = []
      sim.onRequest((request) => {
        if (request.method !== 'PATCH') return
        seenByRetry.push(sim.milestone(REPO, sample.milestone ?? 0).description.includes(progress))
      })
      const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
      expect(result.failed).toBe(false)
      expect(heldClockOf(sim).abandoned()).toBe(1)
      const patches = sim.requests.filter((r) => r.method === 'PATCH')
      expect(patches.map((r) => [r.fault, r.status])).toEqual([
        ['slow', 0],
        [undefined, 200]
      ])
      // The first PATCH was made before the client gave up on it: the retry finds it there.
      expect(seenByRetry).toEqual([false, true])
      const description = sim.milestone(REPO, sample.milestone ?? 0).description
      expect(description.split(progress)).toHaveLength(2)
    }
  )

  targeted(
    "SPEC §7: the action's own clock abandons an attempt when its time limit runs out",
    async () => {
      await setup()
      sim.injectFault({ kind: 'hang' })
      // Real time, a limit short enough to wait out; no retry, so no second answer to race.
      const github = createGitHub({
        ...endpointsOf(sim),
        timing: { ...FAST_TIMING, attemptTimeoutMs: 50, retries: 0, clock: REAL_CLOCK }
      })
      await expect(github.octokit.request('GET /rate_limit')).rejects.toThrow(TIMED_OUT)
      expect(sim.requests.map((r) => [r.fault, r.status])).toEqual([['hang', 0]])
    }
  )

  targeted(
    'SPEC §7: a primary limit that resets in an hour fails the step saying when, writes nothing; a re-run after the reset converges',
    async () => {
      await setup()
      sim.injectFault({
        kind: 'primary-rate-limit',
        match: FAULT_CLASSES.observe,
        resetInSeconds: 3600
      })
      const before = Math.floor(Date.now() / 1000) * 1000
      const first = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
      const after = Date.now()
      expect(first.failed).toBe(true)
      const message = errorMessages(first.stdout).join('\n')
      const at = Date.parse(/resets at (\S+Z)/.exec(message)?.[1] ?? '')
      // The reset GitHub named: an hour after the request, which was sent within
      // the run (the wait is counted in whole seconds, so up to one more).
      expect(at).toBeGreaterThanOrEqual(before + 3_600_000)
      expect(at).toBeLessThanOrEqual(after + 3_601_000)
      expect(sim.writes()).toEqual([])
      expect(sim.requests).toHaveLength(1)
      // The budget has reset (the fault is spent): the user re-runs the job.
      const second = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
      expect(second.failed).toBe(false)
      for (const n of sample.issueNumbers) expect(stateLabelsOf(n)).toEqual(['debussy:completed'])
      expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
        '📊 **Debussy Progress:** 25% (1/4 phases)'
      )
    }
  )

  targeted(
    'SPEC §7: once the REST budget is exhausted for an hour, no further REST request is sent in that run',
    async () => {
      await setup()
      sim.injectFault({
        kind: 'primary-rate-limit',
        match: FAULT_CLASSES.createLabel,
        resetInSeconds: 3600
      })
      const first = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
      expect(first.failed).toBe(true)
      expect(errorMessages(first.stdout).join('\n')).toMatch(/budget resets at \S+Z/)
      const limited = sim.requests.findIndex((r) => r.fault === 'primary-rate-limit')
      const restAfter = sim.requests
        .slice(limited + 1)
        .filter((r) => r.kind === 'rest')
        .map((r) => `${r.method} ${r.path}`)
      expect(restAfter).toEqual([])
    }
  )

  for (const kind of ['secondary-rate-limit', 'secondary-rate-limit-429'] as const) {
    targeted(
      `SPEC §7: a secondary limit (${kind === 'secondary-rate-limit' ? '403' : '429'}) is waited out for its retry-after before anything else is sent`,
      async () => {
        await setup()
        sim.injectFault({ kind, match: FAULT_CLASSES.milestonePatch, retryAfter: 20 })
        const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
        expect(result.failed).toBe(false)
        expect(result.stdout).toMatch(/secondary rate limit .* waiting 20 s/)
        const limited = sim.requests.findIndex((r) => r.fault === kind)
        expect(sim.requests[limited + 1]).toMatchObject({
          method: 'PATCH',
          path: sim.requests[limited]?.path,
          status: 200
        })
        // On the client's clock: retry-after 20 s at this test's 5 ms per second.
        const at = sim.requests.map(heldClockOf(sim).at)
        const gap = (at[limited + 1] ?? Number.NaN) - (at[limited] ?? Number.NaN)
        expect(gap).toBeGreaterThanOrEqual(20 * FAST_TIMING.retryUnitMs)
      }
    )
  }

  targeted(
    'SPEC §7: a secondary limit that outlasts the retries fails that write; nothing else is sent before its retry-after',
    async () => {
      await setup()
      // Every attempt of the milestone's write (the first write) is refused (one more than the retries).
      sim.injectFault({
        kind: 'secondary-rate-limit-429',
        match: FAULT_CLASSES.milestonePatch,
        retryAfter: 20,
        times: FAST_TIMING.retries + 1
      })
      const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
      expect(result.failed).toBe(true)
      const refused = sim.requests.filter((r) => r.fault === 'secondary-rate-limit-429')
      expect(refused).toHaveLength(FAST_TIMING.retries + 1)
      const last = sim.requests.lastIndexOf(refused[FAST_TIMING.retries] as LoggedRequest)
      const at = sim.requests.map(heldClockOf(sim).at)
      // The labels are still synced after the failed write, but not before the wait is up.
      expect(sim.requests[last + 1]).toMatchObject({ write: true, status: expect.any(Number) })
      expect(sim.requests[last + 1]?.path).not.toMatch(/milestones/)
      const gap = (at[last + 1] ?? Number.NaN) - (at[last] ?? Number.NaN)
      expect(gap).toBeGreaterThanOrEqual(20 * FAST_TIMING.retryUnitMs)
    }
  )

  targeted(
    'SPEC §6: the state label deleted between the read and the write: every issue still ends with it',
    async () => {
      await setup({ stateLabels: true })
      const deleted = atFirstWrite(() => sim.deleteLabel(REPO, STATE_LABELS.completed.name))
      await fireWithReruns({ event: 'phase_completed', plan: PLAN_PATH, phase: '1' })
      expect(deleted()).toBe(true)
      expectEveryIssueCompleted()
      expect(sim.label(REPO, 'debussy:completed')?.color.toUpperCase()).toBe('0E8A16')
    }
  )

  targeted(
    'SPEC §6: one of two old state labels deleted between the read and the write: the other one still goes',
    async () => {
      await setup({ stateLabels: true })
      const [first] = sample.issueNumbers as [number]
      // A messy start: two state labels on one issue.
      sim.addIssueLabel(REPO, first, STATE_LABELS['in-progress'].name)
      sim.addIssueLabel(REPO, first, STATE_LABELS.failed.name)
      const deleted = atFirstWrite(() => sim.deleteLabel(REPO, STATE_LABELS['in-progress'].name))
      await fireWithReruns({ event: 'phase_completed', plan: PLAN_PATH, phase: '1' })
      expect(deleted()).toBe(true)
      expect(stateLabelsOf(first)).toEqual(['debussy:completed'])
    }
  )

  targeted(
    'SPEC §6: the state label renamed between the read and the write: every issue still ends with the configured one',
    async () => {
      await setup({ stateLabels: true })
      const renamed = atFirstWrite(() =>
        sim.renameLabel(REPO, STATE_LABELS.completed.name, 'done (old name)')
      )
      await fireWithReruns({ event: 'phase_completed', plan: PLAN_PATH, phase: '1' })
      expect(renamed()).toBe(true)
      expectEveryIssueCompleted()
    }
  )

  targeted(
    'SPEC §6: a completion comment whose answer is lost (attempt timed out, GitHub applied it) is not posted twice',
    async () => {
      await setup()
      await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '3' })
      // The first mutation is applied, but not answered before the attempt gives up.
      sim.injectFault({ kind: 'applied-then-lost', lost: 'timeout', match: FAULT_CLASSES.mutation })
      await fireWithReruns({ event: 'plan_completed', plan: PLAN_PATH, auto_close: true })
      for (const n of sample.issueNumbers) {
        const issue = sim.issue(REPO, n)
        expect({ issue: n, state: issue.state, comments: issue.comments.length }).toEqual({
          issue: n,
          state: 'closed',
          comments: 1
        })
      }
    }
  )

  targeted(
    'status_comment: a status comment whose answer is lost is read back by its marker, not posted twice',
    async () => {
      await setup({}, STATUS_CONFIG)
      let armed = false
      sim.onRequest((request) => {
        if (armed || !writeKindsOf(request).includes('addComment')) return
        armed = true
        sim.injectFault({ kind: 'applied-then-lost', lost: 'timeout' })
      })
      const results = await fireWithReruns({
        event: 'phase_started',
        plan: PLAN_PATH,
        phase: '1',
        run_id: 'r',
        sequence: 1
      })
      // Read back, found made, in the same run: never sent again.
      expect(results).toHaveLength(1)
      expect(results[0]?.failed).toBe(false)
      expect(sim.requests.filter((r) => writeKindsOf(r).includes('addComment'))).toHaveLength(1)
      for (const n of sample.issueNumbers) {
        expect({ issue: n, comments: sim.issue(REPO, n).comments.length }).toEqual({
          issue: n,
          comments: 1
        })
      }
    }
  )

  // SPEC §7: every kind of write, made by GitHub, then its answer lost in every way.
  // The status comment's edit (updateIssueComment) is made with status_comment on.
  // Every kind the report counts (WRITE_KINDS), so that none goes without its check.
  const WRITES = Object.keys(WRITE_KINDS) as WriteKind[]
  const LOSSES: readonly LostAnswer[] = ['reset', 'timeout', 'server-error', 'malformed']
  for (const write of WRITES) {
    for (const lost of LOSSES) {
      targeted(
        `SPEC §7: ${write} made, then its answer lost (${lost}): labels and milestone converge, no comment or close twice`,
        async () => {
          await setup({}, write === 'updateIssueComment' ? STATUS_CONFIG : undefined)
          // A state label to remove, and its label created, before the event under test.
          await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
          let armed = false
          sim.onRequest((request) => {
            if (armed || !writeKindsOf(request).includes(write)) return
            armed = true
            sim.injectFault({ kind: 'applied-then-lost', lost })
          })
          const results = await fireWithReruns({
            event: 'plan_completed',
            plan: PLAN_PATH,
            auto_close: true
          })
          expect(sim.requests.filter((r) => r.fault === 'applied-then-lost')).toHaveLength(1)
          tally.add('lostAnswer.injected')
          tally.add(`lostAnswer.${write}`)
          expect(results.at(-1)?.failed).toBe(false)
          if (write === 'addComment' || write === 'closeIssue') {
            // Read back, found made: never sent again.
            expect(sim.requests.filter((r) => writeKindsOf(r).includes(write))).toHaveLength(1)
            expect(results).toHaveLength(1)
          }
          for (const n of sample.issueNumbers) {
            const issue = sim.issue(REPO, n)
            expect({
              issue: n,
              labels: stateLabelsOf(n),
              state: issue.state,
              comments: issue.comments.length,
              closes: sim.closesOf(REPO, n)
            }).toEqual({
              issue: n,
              labels: ['debussy:completed'],
              state: 'closed',
              comments: 1,
              closes: 1
            })
          }
          const description = sim.milestone(REPO, sample.milestone ?? 0).description
          expect(description.split('📊 **Debussy Progress:** 100% (4/4 phases)')).toHaveLength(2)
          expect(sim.label(REPO, 'debussy:completed')?.color.toUpperCase()).toBe('0E8A16')
        }
      )
    }
  }
})
