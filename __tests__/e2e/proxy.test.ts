/**
 * End to end: a runner behind a proxy (HTTP_PROXY / HTTPS_PROXY, as
 * @actions/http-client reads them). Every request to GitHub goes through the
 * proxy, which here is the only way to reach a host named api.github.test;
 * loopback addresses bypass it, as they do for every toolkit action.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { startProxy, type TestProxy } from '../../test-support/http-proxy.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, seedSample } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator
let proxy: TestProxy

const GITHUB_HOST = 'api.github.test'

e2e.useSimulator((started) => (sim = started))

beforeEach(async () => {
  proxy = await startProxy({ [`${GITHUB_HOST}:80`]: Number(new URL(sim.apiUrl).port) })
})

afterEach(async () => {
  await proxy.close()
})

/** GitHub where only the proxy can reach it, at http://api.github.test. */
const BEHIND_PROXY = {
  GITHUB_API_URL: `http://${GITHUB_HOST}`,
  GITHUB_GRAPHQL_URL: `http://${GITHUB_HOST}/graphql`
}

/** Runs one event of a plan linking `issues` issues, with `env` added to the runner's. */
async function fireWith(
  issues: number,
  event: 'phase_started' | 'phase_completed',
  env: Record<string, string>,
  inputs: Record<string, string> = {}
) {
  const sample = seedSample(sim, { issues })
  const result = await e2e.fire(
    sim,
    makeWorkspace(sample.files),
    { event, plan: PLAN_PATH, phase: '1' },
    { env, inputs }
  )
  return { sample, result }
}

const completedLabels = (n: number): string[] =>
  sim
    .issue(REPO, n)
    .labels.filter((l) => l.startsWith('debussy:'))
    .sort()

describe('behind a proxy', () => {
  it('sends every request through HTTP_PROXY, with the proxy credentials it names', async () => {
    const { sample, result } = await fireWith(3, 'phase_completed', {
      ...BEHIND_PROXY,
      HTTP_PROXY: proxy.url.replace('http://', 'http://runner:s3cret@')
    })

    e2e.expectExit(result, 0)
    for (const n of sample.issueNumbers) expect(completedLabels(n)).toEqual(['debussy:completed'])
    expect(sim.requests.length).toBeGreaterThan(1)
    expect(proxy.requests.length).toBeGreaterThan(0)
    for (const request of proxy.requests) {
      expect(request).toMatchObject({ target: `${GITHUB_HOST}:80`, forwarded: true })
      expect(request.proxyAuthorization).toBe(
        `Basic ${Buffer.from('runner:s3cret').toString('base64')}`
      )
    }
    expect(`${result.stdout}${result.stderr}`).not.toContain('s3cret')
  })

  it('a dry run goes through the proxy too, and writes nothing', async () => {
    const { result } = await fireWith(
      2,
      'phase_started',
      // An http:// API goes through http_proxy, not https_proxy.
      { ...BEHIND_PROXY, https_proxy: 'http://127.0.0.1:9', http_proxy: proxy.url },
      { 'dry-run': 'true' }
    )

    e2e.expectExit(result, 0)
    expect(sim.requests.map((r) => r.method)).toEqual(['POST'])
    expect(proxy.requests.length).toBe(1)
    expect(result.stdout).toContain('[dry-run]')
  })

  it('leaves loopback addresses out of the proxy (a GitHub simulator, a local GHES tunnel)', async () => {
    const { sample, result } = await fireWith(2, 'phase_started', {
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: proxy.url
    })

    e2e.expectExit(result, 0)
    for (const n of sample.issueNumbers) {
      expect(completedLabels(n)).toEqual(['debussy:in-progress'])
    }
    expect(proxy.requests).toEqual([])
  })
})
