/**
 * The whole action in process (src/main.ts run()) against the simulator: each
 * row of SPEC §6 and each failure of §7, with the request log as the witness.
 * The same scenarios run against the bundle in __tests__/e2e/.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { DEBUSSY_INIT_CONFIG } from '../test-support/fixtures.js'
import {
  startSimulator,
  type FaultSpec,
  type GitHubSimulator,
  type LoggedRequest
} from '../test-support/github-simulator.js'
import { heldClockOf, heldTiming } from '../test-support/held-clock.js'
import { cleanup, makeWorkspace } from '../test-support/run-action.js'
import { runAgainst, type InProcessResult } from '../test-support/run-in-process.js'
import {
  MILESTONE_TEXT,
  PLAN_PATH,
  REPO,
  debussyPlan,
  dispatch,
  seedSample,
  type Sample
} from '../test-support/sample-repo.js'

let sim: GitHubSimulator
let sample: Sample
let workspace: string

async function fire(
  payload: Record<string, unknown>,
  extra: { inputs?: Record<string, string>; env?: Record<string, string>; eventName?: string } = {}
): Promise<InProcessResult> {
  return runAgainst(sim, {
    workspace,
    repository: REPO,
    eventName: extra.eventName ?? 'repository_dispatch',
    eventPayload: extra.eventName === 'workflow_dispatch' ? { inputs: payload } : dispatch(payload),
    inputs: extra.inputs,
    env: extra.env,
    // Attempts end when the simulator holds an answer, not when a loaded machine is slow.
    timing: heldTiming(sim)
  })
}

const labelsOf = (n: number): string[] => sim.issue(REPO, n).labels
const STATE = /^debussy:/

async function setup(
  options: Parameters<typeof seedSample>[1] = {},
  files: Record<string, string> = {}
): Promise<void> {
  sim = await startSimulator()
  sample = seedSample(sim, options)
  workspace = makeWorkspace({ ...sample.files, ...files })
}

/** plan_completed with auto-close, for a plan linking one issue: its number. */
const CLOSING = { event: 'plan_completed', plan: PLAN_PATH, auto_close: true }
async function setupClosing(): Promise<number> {
  await setup({ issues: 1 })
  return sample.issueNumbers[0] ?? 0
}

/** Injects `fault` when the second mutation arrives: the completion comment, after the labels. */
function atTheComment(fault: FaultSpec): void {
  let mutations = 0
  sim.onRequest((request) => {
    if (request.operation === 'mutation' && ++mutations === 2) sim.injectFault(fault)
  })
}

afterEach(async () => {
  await sim.close()
})
afterAll(() => cleanup())

describe('SPEC §6: each event', () => {
  beforeEach(() => setup())

  it('phase_started labels every issue in-progress, keeps people labels, creates the label with its color', async () => {
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '2' })
    expect(result.failed).toBe(false)
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    expect(labelsOf(a)).toEqual(['bug', 'debussy:in-progress'])
    expect(labelsOf(b)).toEqual(['team:payments', 'needs-review', 'debussy:in-progress'])
    expect(labelsOf(c)).toEqual(['debussy:in-progress'])
    expect(sim.label(REPO, 'debussy:in-progress')?.color.toUpperCase()).toBe('1D76DB')
    expect(sim.label(REPO, 'debussy:in-progress')?.description).toMatch(/^Debussy: /)
    expect(result.outputs.state).toBe('in-progress')
    expect(result.outputs.progress).toBe('0/4')
    expect(result.stdout).toContain(
      `Updated GitHub issue ${REPO}#${a}: in-progress (+debussy:in-progress)`
    )
  })

  it('phase_completed moves to completed and counts the phase in the milestone', async () => {
    await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '1' })
    for (const n of sample.issueNumbers) {
      expect(labelsOf(n).filter((l) => STATE.test(l))).toEqual(['debussy:completed'])
    }
    const description = sim.milestone(REPO, sample.milestone ?? 0).description
    expect(description.startsWith(MILESTONE_TEXT)).toBe(true)
    expect(description).toContain('📊 **Debussy Progress:** 25% (1/4 phases)')
    expect(result.outputs.progress).toBe('1/4')
    expect(JSON.parse(result.outputs.issues ?? '')).toEqual(
      sample.issueNumbers.map((n) => `${REPO}#${n}`)
    )
  })

  it('phase_failed moves to failed', async () => {
    await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    const result = await fire({ event: 'phase_failed', plan: PLAN_PATH, phase: '1' })
    for (const n of sample.issueNumbers) {
      expect(labelsOf(n).filter((l) => STATE.test(l))).toEqual(['debussy:failed'])
    }
    expect(result.outputs.state).toBe('failed')
  })

  it.each([
    ['phase_validating', 'validating', 'FBCA04'],
    ['phase_awaiting_human', 'awaiting-human', 'D876E3'],
    ['phase_blocked', 'blocked', 'B60205']
  ])(
    '%s moves to debussy:%s (created with its color), not counting the phase done',
    async (event, state, color) => {
      await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
      const result = await fire({ event, plan: PLAN_PATH, phase: '1' })
      expect(result.failed).toBe(false)
      for (const n of sample.issueNumbers) {
        expect(labelsOf(n).filter((l) => STATE.test(l))).toEqual([`debussy:${state}`])
      }
      expect(sim.label(REPO, `debussy:${state}`)?.color.toUpperCase()).toBe(color)
      expect(result.outputs.state).toBe(state)
      expect(result.outputs.progress).toBe('0/4')
    }
  )

  it('plan_completed with auto-close closes each issue once with one comment, and records 100%', async () => {
    const result = await fire({ event: 'plan_completed', plan: PLAN_PATH, auto_close: true })
    expect(result.failed).toBe(false)
    for (const n of sample.issueNumbers) {
      const issue = sim.issue(REPO, n)
      expect(issue.state).toBe('closed')
      expect(issue.stateReason).toBe('completed')
      expect(issue.comments).toHaveLength(1)
      expect(issue.comments[0]).not.toContain('@payments-team')
    }
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain('100% (4/4 phases)')
    expect(JSON.parse(result.outputs.closed ?? '')).toEqual(
      sample.issueNumbers.map((n) => `${REPO}#${n}`)
    )
  })

  it('plan_completed without auto-close labels but closes nothing', async () => {
    const result = await fire({ event: 'plan_completed', plan: PLAN_PATH })
    for (const n of sample.issueNumbers) expect(sim.issue(REPO, n).state).toBe('open')
    expect(result.outputs.closed).toBe('[]')
  })

  it('auto-close: the payload wins over the input', async () => {
    await fire(
      { event: 'plan_completed', plan: PLAN_PATH, auto_close: false },
      { inputs: { 'auto-close': 'true' } }
    )
    for (const n of sample.issueNumbers) expect(sim.issue(REPO, n).state).toBe('open')
  })

  it('a redelivered event makes one read and no write', async () => {
    const payload = {
      event: 'phase_completed',
      plan: PLAN_PATH,
      phase: '2',
      run_id: 'r1',
      sequence: 3
    }
    await fire(payload)
    sim.resetLog()
    const again = await fire(payload)
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toEqual([])
    expect(again.outputs.operations).toBe('[]')
  })

  it('an event older than one applied for the same run is skipped with a notice', async () => {
    await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2', run_id: 'r1', sequence: 5 })
    sim.resetLog()
    const late = await fire({
      event: 'phase_started',
      plan: PLAN_PATH,
      phase: '2',
      run_id: 'r1',
      sequence: 4
    })
    expect(sim.writes()).toEqual([])
    expect(late.stdout).toContain('Skipped as out of order')
    for (const n of sample.issueNumbers) expect(labelsOf(n)).toContain('debussy:completed')
  })

  it('a label a person adds between the read and the write survives', async () => {
    const [first] = sample.issueNumbers as [number]
    sim.onRequest((request) => {
      if (request.operation === 'mutation') sim.addIssueLabel(REPO, first, 'added-by-person')
    })
    await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(labelsOf(first)).toEqual(
      expect.arrayContaining(['bug', 'added-by-person', 'debussy:in-progress'])
    )
  })
})

describe('SPEC §6: dry run', () => {
  beforeEach(() => setup())

  it('reads only, logs [dry-run] lines, and lists exactly the writes a real run makes', async () => {
    const payload = { event: 'phase_completed', plan: PLAN_PATH, phase: '2' }
    const preview = await fire(payload, { inputs: { 'dry-run': 'true' } })
    expect(sim.writes()).toEqual([])
    expect(preview.outputs['dry-run']).toBe('true')
    expect(preview.stdout).toContain(
      `[dry-run] Add label "debussy:completed" to ${REPO}#${sample.issueNumbers[0]}`
    )
    const previewed = (
      JSON.parse(preview.outputs.operations ?? '') as Record<string, unknown>[]
    ).map(({ dry_run, ...op }) => {
      expect(dry_run).toBe(true)
      return op
    })
    const real = await fire(payload)
    expect(JSON.parse(real.outputs.operations ?? '')).toEqual(previewed)
    expect(previewed.length).toBeGreaterThan(0)
  })

  it('a payload false cannot turn off a dry run the input asks for', async () => {
    await fire(
      { event: 'phase_started', plan: PLAN_PATH, phase: '1', dry_run: false },
      { inputs: { 'dry-run': 'true' } }
    )
    expect(sim.writes()).toEqual([])
  })

  it('runs by hand from workflow_dispatch inputs', async () => {
    const result = await fire(
      { event: 'phase_started', plan: PLAN_PATH, phase: '1', dry_run: 'true' },
      { eventName: 'workflow_dispatch' }
    )
    expect(result.failed).toBe(false)
    expect(sim.writes()).toEqual([])
    expect(result.outputs['dry-run']).toBe('true')
  })
})

describe('request budget', () => {
  it('phase_completed for 20 issues takes at most 6 requests; a redelivery 1 read and no write', async () => {
    await setup({ issues: 20, stateLabels: true })
    const payload = { event: 'phase_completed', plan: PLAN_PATH, phase: '2' }
    await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '2' })
    sim.resetLog()
    await fire(payload)
    expect(sim.requests.length).toBeLessThanOrEqual(6)
    for (const n of sample.issueNumbers) expect(labelsOf(n)).toContain('debussy:completed')
    sim.resetLog()
    await fire(payload)
    expect(sim.requests).toHaveLength(1)
    expect(sim.writes()).toHaveLength(0)
  })
})

describe('SPEC §7: failures', () => {
  it('a bad payload fails naming the field, before any request', async () => {
    await setup()
    const result = await fire({
      event: 'phase_completed',
      plan: PLAN_PATH,
      phase: '2',
      completed_phases: 'two'
    })
    expect(result.failed).toBe(true)
    expect(result.stdout).toContain('client_payload.completed_phases')
    expect(sim.requests).toEqual([])
  })

  it('a plan path outside the workspace is refused without a request', async () => {
    await setup()
    const result = await fire({ event: 'phase_started', plan: '../../etc/passwd', phase: '1' })
    expect(result.failed).toBe(true)
    expect(result.stdout).toContain(
      'client_payload.plan: "../../etc/passwd" points outside the repository'
    )
    expect(sim.requests).toEqual([])
  })

  it('a bad config fails naming the key, before any request', async () => {
    await setup({}, { '.debussy/config.yaml': 'github:\n  labels:\n    color_failed: red\n' })
    const result = await fire({ event: 'phase_failed', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(true)
    expect(result.stdout).toContain('github.labels.color_failed')
    expect(sim.requests).toEqual([])
  })

  it('the config exactly as `debussy init` writes it (github.enabled: false) does not switch the action off', async () => {
    await setup({}, { '.debussy/config.yaml': DEBUSSY_INIT_CONFIG })
    const result = await fire({ event: 'phase_failed', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    for (const n of sample.issueNumbers) {
      expect(labelsOf(n).filter((l) => STATE.test(l))).toEqual(['debussy:failed'])
    }
    expect(result.outputs.state).toBe('failed')
    expect(result.stdout).not.toContain('::warning::')
  })

  it("github.enabled: true still syncs, with a warning that Debussy's own sync is a second writer", async () => {
    await setup({}, { '.debussy/config.yaml': 'github:\n  enabled: true\n' })
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    expect(result.stdout).toMatch(/::warning::.*github\.enabled is true.*two writers/)
    for (const n of sample.issueNumbers) expect(labelsOf(n)).toContain('debussy:in-progress')
  })

  it('a plan that links no issue at all says so in a notice, and makes no request', async () => {
    await setup(
      {},
      { [PLAN_PATH]: '# Plan\n\n## Phases\n\n| Phase | Title |\n|---|---|\n| 1 | One |\n' }
    )
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    expect(result.stdout).toContain(
      `::notice::plan ${PLAN_PATH} links no issues, so there is nothing to sync.`
    )
    expect(result.outputs.issues).toBe('[]')
    expect(sim.requests).toEqual([])
  })

  it('a plan line that looks like an issue list but names none is a warning quoting it, never silent', async () => {
    await setup({}, { [PLAN_PATH]: '# Plan\n\nGitHub Issues: tracked in Jira\n' })
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    expect(result.stdout).toContain(
      `::warning::plan ${PLAN_PATH} line 3: "GitHub Issues: tracked in Jira" looks like an issue list but names no issue reference`
    )
    expect(result.stdout).toContain('links no issues')
    expect(sim.requests).toEqual([])
  })

  it("Debussy's plain and bracketed forms link the issues (GitHub Issues: [a, b])", async () => {
    await setup()
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    const plan = (sample.files[PLAN_PATH] ?? '').replace(
      /^\*\*GitHub Issues:\*\* .*$/m,
      `github_issues: [${a}, ${b}, ${c}]`
    )
    expect(plan).toContain(`github_issues: [${a}, ${b}, ${c}]`)
    workspace = makeWorkspace({ ...sample.files, [PLAN_PATH]: plan })
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    for (const n of sample.issueNumbers) expect(labelsOf(n)).toContain('debussy:in-progress')
  })

  it('a missing (404) or deleted (410) issue is a warning; the others are synced', async () => {
    await setup()
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    sim.deleteIssue(REPO, b)
    workspace = makeWorkspace({
      [PLAN_PATH]: (sample.files[PLAN_PATH] ?? '').replace(`#${c}`, `#${c}, #999`)
    })
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    expect(result.stdout).toMatch(new RegExp(`::warning::${REPO}#${b} could not be read`))
    expect(result.stdout).toMatch(new RegExp(`::warning::${REPO}#999 could not be read`))
    expect(labelsOf(a)).toContain('debussy:in-progress')
    expect(labelsOf(c)).toContain('debussy:in-progress')
  })

  it('transient failures (5xx, resets) are retried and the sync completes', async () => {
    await setup()
    sim.injectFault({ kind: 'server-error', match: { kind: 'graphql' }, times: 2 })
    sim.injectFault({ kind: 'reset', match: { method: 'PATCH' }, times: 1 })
    const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
    expect(result.failed).toBe(false)
    for (const n of sample.issueNumbers) expect(labelsOf(n)).toContain('debussy:completed')
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain('25% (1/4 phases)')
  })

  // retry-after at the test's 5 ms unit: the next request comes that much later at least on the
  // client's clock, not after the retry plugin's own 5 ms.
  it.each([
    ['secondary-rate-limit', 2, 10, 'secondary rate limit'],
    ['secondary-rate-limit-429', 4, 20, 'waiting 4 s']
  ] as const)(
    'a %s answer (retry-after %i s) is waited out for as long as it says before anything else is sent',
    async (kind, retryAfter, atLeastMs, logged) => {
      await setup()
      sim.injectFault({ kind, match: { operation: 'mutation' }, retryAfter })
      const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
      expect(result.failed).toBe(false)
      const limited = sim.requests.findIndex((r) => r.fault === kind)
      const next = sim.requests[limited + 1]
      expect(next).toBeDefined()
      const at = heldClockOf(sim).at
      expect(
        at(next as LoggedRequest) - at(sim.requests[limited] as LoggedRequest)
      ).toBeGreaterThanOrEqual(atLeastMs)
      expect(result.stdout).toContain(logged)
    }
  )

  it('a primary rate limit that resets much later fails the step, saying when it resets', async () => {
    await setup()
    sim.injectFault({
      kind: 'primary-rate-limit',
      match: { kind: 'graphql' },
      resetInSeconds: 3600,
      times: 5
    })
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(true)
    expect(result.stdout).toMatch(/budget resets at \d{4}-\d\d-\d\dT/)
    expect(sim.writes()).toEqual([])
  })

  it('a completion comment that timed out and never landed, read back as missing and sent again, timed out again: the step fails; the re-run posts it once', async () => {
    const n = await setupClosing()
    atTheComment({ kind: 'hang', match: { operation: 'mutation' }, times: 2 })
    const first = await fire(CLOSING)
    expect(first.failed).toBe(true)
    expect(first.stdout).toContain('GitHub did not answer within')
    expect(first.stdout).toContain('a read shows it missing')
    expect(sim.issue(REPO, n)).toMatchObject({ state: 'open', comments: [] })
    const again = await fire(CLOSING)
    expect(again.failed).toBe(false)
    expect(sim.issue(REPO, n).comments).toHaveLength(1)
    expect(sim.issue(REPO, n).state).toBe('closed')
  })

  it('after a rate limit that is not waited for, nothing more is sent', async () => {
    await setup()
    sim.injectFault({
      kind: 'primary-rate-limit',
      match: { method: 'PATCH' },
      resetInSeconds: 3600
    })
    const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
    expect(result.failed).toBe(true)
    const limited = sim.requests.findIndex((r) => r.fault === 'primary-rate-limit')
    expect(sim.requests.slice(limited + 1)).toEqual([])
    expect(result.stdout).toContain('not sent: the GitHub API rate limit is exhausted until')
  })

  it('a completion comment that GitHub made but did not answer within the attempt limit is not posted twice', async () => {
    const n = await setupClosing()
    // The comment is made but not answered before the attempt limit: GitHub
    // has it, the action does not know it.
    atTheComment({
      kind: 'applied-then-lost',
      lost: 'timeout',
      match: { operation: 'mutation' },
      times: 1
    })
    // The action waits as long as an attempt may take, looks, finds it, and closes.
    const first = await fire(CLOSING)
    expect(first.failed).toBe(false)
    expect(sim.issue(REPO, n).comments).toHaveLength(1)
    expect(sim.issue(REPO, n).state).toBe('closed')
    const again = await fire(CLOSING)
    expect(again.failed).toBe(false)
    expect(sim.issue(REPO, n).comments).toHaveLength(1)
  })

  it('the milestone written, then the labels failing: a re-run of the same event finishes the labels and leaves the milestone', async () => {
    await setup({ stateLabels: true })
    const started = { event: 'phase_started', plan: PLAN_PATH, phase: '2', run_id: 'r1' }
    const completed = { ...started, event: 'phase_completed', sequence: 2 }
    expect((await fire({ ...started, sequence: 1 })).failed).toBe(false)
    // Every attempt of the label mutation fails; the milestone (written first) records sequence 2.
    sim.injectFault({ kind: 'server-error', match: { operation: 'mutation' }, times: 4 })
    expect((await fire(completed)).failed).toBe(true)
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain('seq="2"')
    for (const n of sample.issueNumbers) expect(labelsOf(n)).toContain('debussy:in-progress')

    // The re-run is the same event, not an older one: it applies, and writes only what is missing.
    sim.resetLog()
    const rerun = await fire(completed)
    expect(rerun.failed).toBe(false)
    for (const n of sample.issueNumbers) {
      expect(labelsOf(n).filter((l) => STATE.test(l))).toEqual(['debussy:completed'])
    }
    expect(sim.writes().map((w) => w.operation ?? w.method)).toEqual(['mutation'])
  })

  it('a write that keeps failing fails the step after the others are synced, naming the issue', async () => {
    await setup()
    sim.injectFault({ kind: 'server-error', match: { method: 'PATCH' }, times: Infinity })
    const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '2' })
    expect(result.failed).toBe(true)
    for (const n of sample.issueNumbers) expect(labelsOf(n)).toContain('debussy:completed')
    expect(result.stdout).toContain(`Update milestone ${REPO} #${sample.milestone}`)
    expect(result.stdout).toContain('Re-run the job')
  })

  it('a wrong token fails without printing it, also with RUNNER_DEBUG=1', async () => {
    await setup()
    const result = await runAgainst(sim, {
      token: 'ghp_wrongwrongwrongwrong',
      workspace,
      repository: REPO,
      eventName: 'repository_dispatch',
      eventPayload: dispatch({ event: 'phase_started', plan: PLAN_PATH, phase: '1' }),
      env: { RUNNER_DEBUG: '1' },
      timing: heldTiming(sim)
    })
    expect(result.failed).toBe(true)
    expect(result.stdout).toContain('Bad credentials')
    // The one line that carries it is the mask command, which the runner consumes.
    const shown = result.stdout.replace(/^::add-mask::.*$/m, '')
    expect(result.stdout).toContain('::add-mask::ghp_wrongwrongwrongwrong')
    expect(shown + result.summary + JSON.stringify(result.outputs)).not.toContain('ghp_wrong')
  })
})

describe('SPEC §7: text from GitHub never becomes a workflow command', () => {
  // A milestone title anyone with triage rights can set; printed in "Updated milestone …",
  // the [dry-run] lines and the failure list.
  const HOSTILE = 'Q4\n::error::injected\r::add-mask::Q4 ##[add-mask]masked %0A::warning::x'

  async function setupHostile(): Promise<number> {
    sim = await startSimulator()
    sim.addRepo(REPO)
    const milestone = sim.addMilestone(REPO, { title: HOSTILE, description: 'd' })
    const issue = sim.addIssue(REPO, { title: 't', labels: [], milestone })
    workspace = makeWorkspace({ [PLAN_PATH]: debussyPlan([issue], ['1', '2']) })
    return milestone
  }

  /** Every command the runner would read from stdout: `::name::` at a line's start, `##[name]` anywhere. */
  function commands(stdout: string): string[] {
    return stdout.split(/\r\n|\r|\n/).flatMap((line) => {
      const found: string[] = []
      const v2 = /^::([^:\s]+)[^:]*::(.*)$/.exec(line.trimStart())
      if (v2) found.push(`${v2[1]}: ${v2[2]}`)
      for (const m of line.matchAll(/##\[([^\]\s]+)[^\]]*\](.*)/g)) found.push(`${m[1]}: ${m[2]}`)
      return found
    })
  }

  it.each([
    ['a real run', {}],
    ['a dry run', { dry_run: true }]
  ])('%s logs the title as text', async (_name, extra) => {
    await setupHostile()
    const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '1', ...extra })
    expect(result.failed).toBe(false)
    expect(result.stdout).toMatch(/(Updated milestone|\[dry-run\] Update milestone) .*injected/)
    expect(commands(result.stdout)).toEqual([`add-mask: ${sim.token}`])
  })

  it('a failed milestone write names the title without a command', async () => {
    await setupHostile()
    sim.injectFault({ kind: 'server-error', match: { method: 'PATCH' }, times: Infinity })
    const result = await fire({ event: 'phase_completed', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(true)
    const found = commands(result.stdout)
    expect(found.filter((c) => !/^(add-mask|error|warning): /.test(c))).toEqual([])
    expect(found.filter((c) => c.startsWith('add-mask'))).toEqual([`add-mask: ${sim.token}`])
    expect(found.filter((c) => /^(error|warning): (injected|x)/.test(c))).toEqual([])
  })
})

describe('SPEC §4: writes stay where they are allowed, and the work is bounded', () => {
  const OTHER = 'evil/target'
  const LISTED = 'acme/billing-service'

  async function setupRepos(
    config?: string
  ): Promise<{ own: number; other: number; listed: number }> {
    sim = await startSimulator()
    sim.addRepo(REPO)
    sim.addRepo(OTHER)
    sim.addRepo(LISTED)
    const own = sim.addIssue(REPO, { title: 'own', labels: [] })
    const other = sim.addIssue(OTHER, { title: 'other', labels: [] })
    const listed = sim.addIssue(LISTED, { title: 'listed', labels: [] })
    const plan = [
      '# Plan',
      '',
      `**GitHub Issues:** #${own}, ${OTHER}#${other}, ${LISTED}#${listed}`,
      '',
      '## Phases',
      '',
      '| Phase | Title | Status |',
      '|---|---|---|',
      '| 1 | [One](phase-1.md) | Pending |',
      ''
    ].join('\n')
    workspace = makeWorkspace({
      [PLAN_PATH]: plan,
      ...(config === undefined ? {} : { '.debussy/config.yaml': config })
    })
    return { own, other, listed }
  }

  it('skips a ref to a repository nobody listed, with a warning naming it', async () => {
    const { own, other, listed } = await setupRepos()
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    expect(sim.issue(REPO, own).labels).toEqual(['debussy:in-progress'])
    expect(sim.issue(OTHER, other).labels).toEqual([])
    expect(sim.issue(LISTED, listed).labels).toEqual([])
    expect(result.stdout).toMatch(
      new RegExp(`::warning::Skipped ${OTHER}#${other}, ${LISTED}#${listed}: `)
    )
    expect(JSON.parse(result.outputs.issues ?? '')).toEqual([`${REPO}#${own}`])
    expect(result.outputs.operations).not.toContain(OTHER)
    expect(sim.requests.filter((r) => r.path.includes(OTHER) || r.path.includes(LISTED))).toEqual(
      []
    )
  })

  it('writes to a repository listed in github.repositories', async () => {
    const { listed, other } = await setupRepos(`github:\n  repositories: [${LISTED}]\n`)
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(false)
    expect(sim.issue(LISTED, listed).labels).toEqual(['debussy:in-progress'])
    expect(sim.issue(OTHER, other).labels).toEqual([])
  })

  it('a plan that links more than github.max_issues fails before any request', async () => {
    await setupRepos(`github:\n  max_issues: 2\n  repositories: [${LISTED}, ${OTHER}]\n`)
    sim.resetLog()
    const result = await fire({ event: 'phase_started', plan: PLAN_PATH, phase: '1' })
    expect(result.failed).toBe(true)
    expect(result.stdout).toMatch(/::error::.*links 3 issues.*at most 2.*github\.max_issues/)
    expect(sim.requests).toEqual([])
  })
})
