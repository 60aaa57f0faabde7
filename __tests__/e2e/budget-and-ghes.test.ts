/**
 * End to end: the request budget of an event (SPEC §6 idempotence, the API
 * budget), and GitHub Enterprise Server, where REST lives under /api/v3 and
 * GraphQL at /api/graphql (SPEC §1).
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { PLAN_PATH, REPO, type Sample, type SampleOptions } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'
import type { ActionResult } from '../../test-support/run-action.js'

let sim: GitHubSimulator

describe('request budget', () => {
  e2e.useSimulator((started) => (sim = started))

  it('phase_completed for a plan linking 20 issues makes at most 6 requests; its redelivery 1 request and no write', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { issues: 20, stateLabels: true })
    for (const n of sample.issueNumbers) sim.addIssueLabel(REPO, n, 'debussy:in-progress')
    const payload = { event: 'phase_completed', plan: PLAN_PATH, phase: '2' }

    const result = await e2e.fire(sim, workspace, payload)

    e2e.expectExit(result, 0)
    expect(sim.requests.length).toBeLessThanOrEqual(6)
    for (const n of sample.issueNumbers) {
      expect(
        sim
          .issue(REPO, n)
          .labels.filter((l) => l.startsWith('debussy:'))
          .sort()
      ).toEqual(['debussy:completed'])
    }
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 25% (1/4 phases)'
    )
    expect(JSON.parse(result.outputs.issues ?? '')).toHaveLength(20)
    sim.resetLog()

    const again = await e2e.fire(sim, workspace, payload)

    e2e.expectExit(again, 0)
    expect(sim.requests).toHaveLength(1)
    expect(e2e.writesOf(sim)).toEqual([])
  })
})

describe('SPEC §7: writes one at a time', () => {
  e2e.useSimulator((started) => (sim = started))

  it('sends each write only once the previous one is answered, a second apart, as GitHub asks', async () => {
    const { workspace } = e2e.seedWorkspace(sim, { issues: 3 })

    const result = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('plan_completed', { auto_close: true })
    )

    e2e.expectExit(result, 0)
    const writes = e2e.writesOf(sim)
    // Label creation, labels, milestone, comments, closes.
    expect(writes.length).toBeGreaterThanOrEqual(5)
    // The throttling plugin starts writes 1 s apart. On a loaded machine one request can
    // reach the simulator late, shortening one gap and lengthening the next, so the
    // span of all writes is checked, with room for one late arrival.
    const first = writes[0]?.at ?? 0
    const last = writes[writes.length - 1]?.at ?? 0
    expect(last - first).toBeGreaterThanOrEqual((writes.length - 1) * 1000 - 500)
  })
})

describe('SPEC §1: GitHub Enterprise Server', () => {
  e2e.useSimulator((started) => (sim = started), { layout: 'ghes' })

  /** Every request stayed under the GHES API roots. */
  function expectGhesPaths(ghes: GitHubSimulator): void {
    const urls = ghes.requests.map((r) => r.url)
    expect(urls.length).toBeGreaterThan(0)
    for (const url of urls) expect(url).toMatch(/^\/api\/(v3\/|graphql$)/)
    expect(urls).toContain('/api/graphql')
  }

  /** Seeds the sample and runs `event` for phase 1 with the variables a GHES runner sets. */
  async function fireOnGhes(
    event: 'phase_started' | 'phase_completed',
    options: SampleOptions = {},
    env: Record<string, string> = {}
  ): Promise<{ sample: Sample; result: ActionResult }> {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, options)
    const result = await e2e.fire(sim, workspace, e2e.planEvent(event, { phase: '1' }), {
      env: { GITHUB_SERVER_URL: sim.serverUrl, ...env }
    })
    return { sample, result }
  }
  const ONE_ISSUE = { issues: 1, stateLabels: true, milestone: false }

  it('works with GITHUB_API_URL …/api/v3 and GITHUB_GRAPHQL_URL …/api/graphql', async () => {
    const { sample, result } = await fireOnGhes('phase_completed')

    e2e.expectExit(result, 0)
    expectGhesPaths(sim)
    for (const n of sample.issueNumbers) {
      expect(sim.issue(REPO, n).labels).toContain('debussy:completed')
    }
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 25% (1/4 phases)'
    )
  })

  it('with GITHUB_GRAPHQL_URL unset, derives …/api/graphql from GITHUB_API_URL …/api/v3', async () => {
    const { sample, result } = await fireOnGhes(
      'phase_started',
      { stateLabels: true },
      e2e.unsetEnv('GITHUB_GRAPHQL_URL')
    )

    e2e.expectExit(result, 0)
    expectGhesPaths(sim)
    expect(sim.requests.filter((r) => r.status === 404)).toEqual([])
    for (const n of sample.issueNumbers) {
      expect(sim.issue(REPO, n).labels).toContain('debussy:in-progress')
    }
  })

  // GraphQL's own rate-limit answer (200 with a RATE_LIMITED error): the
  // throttling plugin only knows GraphQL at /graphql, GHES serves /api/graphql.
  it('a GraphQL rate limit (200, RATE_LIMITED) that resets in a second is waited out on GHES too', async () => {
    sim.injectFault({ kind: 'graphql-rate-limited', resetInSeconds: 1 })

    const { sample, result } = await fireOnGhes('phase_started', ONE_ISSUE)

    e2e.expectExit(result, 0)
    const limited = sim.requests.findIndex((r) => r.fault === 'graphql-rate-limited')
    expect(limited).toBeGreaterThanOrEqual(0)
    // The answer said the budget resets at the next whole second (x-ratelimit-reset):
    // nothing is sent before then.
    const resetMs = Math.floor((sim.requests[limited]?.at ?? 0) / 1000) * 1000 + 1000
    const after = sim.requests.slice(limited + 1)
    expect(after.length).toBeGreaterThan(0)
    for (const request of after) expect(request.at).toBeGreaterThanOrEqual(resetMs)
    expect(sim.issue(REPO, sample.issueNumbers[0] ?? 0).labels).toContain('debussy:in-progress')
  })

  it('a GraphQL rate limit that resets in an hour fails the step on GHES saying when the budget resets', async () => {
    sim.injectFault({ kind: 'graphql-rate-limited', resetInSeconds: 3600, times: Infinity })

    const { result } = await fireOnGhes('phase_started', ONE_ISSUE)

    e2e.expectExit(result, 1)
    expect(e2e.writesOf(sim)).toEqual([])
    const errors = e2e.annotations(result.stdout, 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/resets at \d{4}-\d\d-\d\dT\d\d:\d\d/)
  })
})
