/**
 * End to end, SPEC §6 "What each event does": the bundled action (dist/index.js)
 * run as the Actions runner runs it, against the GitHub simulator. One test per
 * row of the table, then the rules about labels, closed issues, pull requests
 * and plans that span two repositories.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import {
  MILESTONE_TEXT,
  PLAN_PATH,
  REPO,
  debussyPlan,
  seedSample
} from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

const IN_PROGRESS = 'debussy:in-progress'
const COMPLETED = 'debussy:completed'
const FAILED = 'debussy:failed'
/** The colour GitHub gives a label that is created implicitly. */
const GREY = 'ededed'

let sim: GitHubSimulator
e2e.useSimulator((started) => (sim = started))

const labelsOf = (number: number, repo = REPO): string[] => sim.issue(repo, number).labels
/** Marks phase `id` of a plan made by debussyPlan() with the given Status text. */
function markPhase(plan: string, id: string, status: string): string {
  const row = `| ${id} | [Phase ${id}](phase-${id}.md) | Work for phase ${id} | Low | Pending |`
  if (!plan.includes(row)) throw new Error(`no row for phase ${id}`)
  return plan.replace(row, row.replace('| Pending |', `| ${status} |`))
}

describe('SPEC §6 table: the state label, the milestone and the issues of each event', () => {
  it('phase_started: every linked issue gets the in-progress label, created with its color first', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim)
    const [a, b, c] = sample.issueNumbers as [number, number, number]

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '2' }))

    e2e.expectExit(result, 0)
    // People's labels survive; the state label is added.
    expect(labelsOf(a)).toEqual(['bug', IN_PROGRESS])
    expect(labelsOf(b)).toEqual(['team:payments', 'needs-review', IN_PROGRESS])
    expect(labelsOf(c)).toEqual([IN_PROGRESS])
    // Created with its configured color and a description, never grey.
    const label = sim.label(REPO, IN_PROGRESS)
    expect(label?.color.toUpperCase()).toBe('1D76DB')
    expect(label?.description ?? '').not.toBe('')
    expect(sim.labels(REPO).filter((l) => l.color.toLowerCase() === GREY)).toEqual([])
    // The label is created before it is put on any issue.
    const created = sim.requests.findIndex(
      (r) => r.method === 'POST' && r.path.startsWith('/repos/acme/payments/labels')
    )
    const labelled = sim.requests.findIndex((r) => r.operation === 'mutation')
    expect(created).toBeGreaterThanOrEqual(0)
    expect(created).toBeLessThan(labelled)
    // Milestone: progress, nothing done yet; the human text is kept.
    const description = sim.milestone(REPO, sample.milestone ?? 0).description
    expect(description.startsWith(MILESTONE_TEXT)).toBe(true)
    expect(description).toContain('📊 **Debussy Progress:** 0% (0/4 phases)')
    expect(result.outputs).toMatchObject({
      issues: JSON.stringify([e2e.ref(a), e2e.ref(b), e2e.ref(c)]),
      state: 'in-progress',
      progress: '0/4',
      closed: '[]',
      'dry-run': 'false'
    })
  })

  it('phase_completed: the completed label replaces the other state labels, and the phase counts as done', async () => {
    const sample = seedSample(sim, { stateLabels: true })
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    sim.addIssueLabel(REPO, a, IN_PROGRESS)
    sim.addIssueLabel(REPO, b, FAILED)
    // Phase 1 is already done in the plan's table; phase 2 completes now: 2 of 4.
    const plan = markPhase(sample.files[PLAN_PATH] ?? '', '1', '✅ Completed')
    const workspace = makeWorkspace({ [PLAN_PATH]: plan })

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_completed', { phase: '2' }))

    e2e.expectExit(result, 0)
    expect(labelsOf(a)).toEqual(['bug', COMPLETED])
    expect(labelsOf(b)).toEqual(['team:payments', 'needs-review', COMPLETED])
    expect(labelsOf(c)).toEqual([COMPLETED])
    const description = sim.milestone(REPO, sample.milestone ?? 0).description
    expect(description.startsWith(MILESTONE_TEXT)).toBe(true)
    expect(description).toContain('📊 **Debussy Progress:** 50% (2/4 phases)')
    expect(result.outputs.state).toBe('completed')
    expect(result.outputs.progress).toBe('2/4')
    for (const n of sample.issueNumbers) expect(sim.issue(REPO, n).state).toBe('open')
  })

  it('phase_failed: the failed label replaces in-progress; progress counts only the phases done', async () => {
    const sample = seedSample(sim, { stateLabels: true })
    for (const n of sample.issueNumbers) sim.addIssueLabel(REPO, n, IN_PROGRESS)
    const plan = markPhase(sample.files[PLAN_PATH] ?? '', '1', 'Done')
    const workspace = makeWorkspace({ [PLAN_PATH]: plan })

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_failed', { phase: '2' }))

    e2e.expectExit(result, 0)
    for (const n of sample.issueNumbers) expect(e2e.stateLabels(labelsOf(n))).toEqual([FAILED])
    expect(labelsOf(sample.issueNumbers[1] ?? 0)).toEqual(['team:payments', 'needs-review', FAILED])
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 25% (1/4 phases)'
    )
    expect(result.outputs.state).toBe('failed')
    expect(result.outputs.progress).toBe('1/4')
    for (const n of sample.issueNumbers) {
      expect(sim.issue(REPO, n).state).toBe('open')
      expect(sim.issue(REPO, n).comments).toEqual([])
    }
  })

  it('plan_completed with auto_close: each issue is labelled, gets one completion comment and is closed as completed; the milestone reads 100%', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true })
    for (const n of sample.issueNumbers) sim.addIssueLabel(REPO, n, IN_PROGRESS)

    const result = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('plan_completed', { auto_close: true })
    )

    e2e.expectExit(result, 0)
    for (const n of sample.issueNumbers) {
      const issue = sim.issue(REPO, n)
      expect(e2e.stateLabels(issue.labels)).toEqual([COMPLETED])
      expect(issue.state).toBe('closed')
      expect(issue.stateReason).toBe('completed')
      expect(issue.comments).toHaveLength(1)
      // The plan says "Owner: @payments-team.": text from the plan never pings anyone.
      expect(issue.comments[0]).not.toMatch(/@payments-team/)
    }
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 100% (4/4 phases)'
    )
    expect(JSON.parse(result.outputs.closed ?? '')).toEqual(
      sample.issueNumbers.map((n) => e2e.ref(n))
    )
    expect(result.outputs.progress).toBe('4/4')
  })

  it('plan_completed without auto-close: labelled completed, the milestone reads 100%, nothing is closed or commented', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true })
    for (const n of sample.issueNumbers) sim.addIssueLabel(REPO, n, IN_PROGRESS)

    const result = await e2e.fire(sim, workspace, { event: 'plan_completed', plan: PLAN_PATH })

    e2e.expectExit(result, 0)
    for (const n of sample.issueNumbers) {
      const issue = sim.issue(REPO, n)
      expect(e2e.stateLabels(issue.labels)).toEqual([COMPLETED])
      expect(issue.state).toBe('open')
      expect(issue.comments).toEqual([])
    }
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 100% (4/4 phases)'
    )
    expect(result.outputs.closed).toBe('[]')
    expect(e2e.operationsOf(result).map((op) => op.op)).not.toContain('close_issue')
  })
})

describe('SPEC §6 rules', () => {
  it('a closed issue gets its state label but is not commented on, closed again or reopened (auto_close from the config)', async () => {
    const sample = seedSample(sim, { stateLabels: true, milestone: false })
    const [a, b, c] = sample.issueNumbers as [number, number, number]
    sim.closeIssue(REPO, b, 'not_planned')
    const workspace = makeWorkspace({
      ...sample.files,
      '.debussy/config.yaml': 'orchestrator:\n  max_retries: 2\ngithub:\n  auto_close: true\n'
    })

    const result = await e2e.fire(sim, workspace, { event: 'plan_completed', plan: PLAN_PATH })

    e2e.expectExit(result, 0)
    const closedBefore = sim.issue(REPO, b)
    expect(closedBefore.labels).toEqual(['team:payments', 'needs-review', COMPLETED])
    expect(closedBefore.comments).toEqual([])
    expect(closedBefore.state).toBe('closed')
    expect(closedBefore.stateReason).toBe('not_planned')
    // The open ones are closed, each with its one comment.
    for (const n of [a, c]) {
      expect(sim.issue(REPO, n).state).toBe('closed')
      expect(sim.issue(REPO, n).comments).toHaveLength(1)
    }
    expect(JSON.parse(result.outputs.closed ?? '')).toEqual([e2e.ref(a), e2e.ref(c)])
    // Nothing was written to the closed issue except the label.
    const touching = e2e.operationsOf(result).filter((op) => op.issue === e2e.ref(b))
    expect(touching).toEqual([{ op: 'add_label', issue: e2e.ref(b), label: COMPLETED }])
  })

  it('a pull request named by a ref is labelled like an issue and never closed', async () => {
    const sample = seedSample(sim, { stateLabels: true, milestone: false })
    const [a, b] = sample.issueNumbers as [number, number]
    const pr = sim.addIssue(REPO, { pullRequest: true, title: 'Retry queue', labels: ['bug'] })
    const plan = e2e.withFrontmatter(
      `github_issues: ["#${a}", "#${b}", "https://github.com/${REPO}/pull/${pr}"]`,
      debussyPlan([], ['1', '2', '2.5', '3'])
    )
    const workspace = makeWorkspace({ [PLAN_PATH]: plan })

    const result = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('plan_completed', { auto_close: true })
    )

    e2e.expectExit(result, 0)
    const pull = sim.issue(REPO, pr)
    expect(pull.pullRequest).toBe(true)
    expect(pull.labels).toEqual(['bug', COMPLETED])
    expect(pull.state).toBe('open')
    expect(pull.comments).toEqual([])
    for (const n of [a, b]) expect(sim.issue(REPO, n).state).toBe('closed')
    expect(JSON.parse(result.outputs.issues ?? '')).toEqual([e2e.ref(a), e2e.ref(b), e2e.ref(pr)])
    expect(JSON.parse(result.outputs.closed ?? '')).toEqual([e2e.ref(a), e2e.ref(b)])
  })

  it('a label a person adds while the sync runs survives, as do the labels people had put on', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true, milestone: false })
    const [a, b] = sample.issueNumbers as [number, number]
    // Between the action's read and its first label write, a person labels two issues.
    let added = false
    sim.onRequest((request) => {
      if (!added && request.operation === 'mutation') {
        added = true
        sim.addIssueLabel(REPO, a, 'customer-impact')
        sim.addIssueLabel(REPO, b, 'p1')
      }
    })

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))

    e2e.expectExit(result, 0)
    expect(added).toBe(true)
    expect(labelsOf(a)).toEqual(['bug', 'customer-impact', IN_PROGRESS])
    expect(labelsOf(b)).toEqual(['team:payments', 'needs-review', 'p1', IN_PROGRESS])
  })

  it('create_labels_if_missing: false in the config: the missing label is neither created nor applied, a warning names it, nothing grey appears', async () => {
    const sample = seedSample(sim)
    const workspace = makeWorkspace({
      ...sample.files,
      '.debussy/config.yaml': 'github:\n  enabled: true\n  create_labels_if_missing: false\n'
    })
    const labelsBefore = sim.labels(REPO)

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))

    e2e.expectExit(result, 0)
    expect(sim.labels(REPO)).toEqual(labelsBefore)
    expect(sim.label(REPO, IN_PROGRESS)).toBeUndefined()
    for (const n of sample.issueNumbers) expect(e2e.stateLabels(labelsOf(n))).toEqual([])
    const warnings = e2e.annotations(result.stdout, 'warning')
    expect(warnings.some((w) => w.includes(IN_PROGRESS))).toBe(true)
    // No request created a label or labelled an issue.
    expect(e2e.writesOf(sim).filter((w) => w.method === 'POST' && w.kind === 'rest')).toEqual([])
    expect(e2e.writesOf(sim).filter((w) => w.operation === 'mutation')).toEqual([])
    // The milestone still records progress.
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 0% (0/4 phases)'
    )
  })

  it('issues across two repositories (acme/billing-service#7, listed in github.repositories): each is labelled, the label created in each repository', async () => {
    const sample = seedSample(sim)
    const [a, b] = sample.issueNumbers as [number, number]
    const BILLING = 'acme/billing-service'
    sim.addRepo(BILLING)
    sim.addIssue(BILLING, { number: 7, labels: ['billing'] })
    const plan = debussyPlan([a, b], ['1', '2', '2.5', '3']).replace(
      `**GitHub Issues:** #${a}, #${b}`,
      `**GitHub Issues:** #${a}, #${b}, ${BILLING}#7`
    )
    // SPEC §4: a repository other than the workflow's and the plan's is written only when listed.
    const workspace = makeWorkspace({
      [PLAN_PATH]: plan,
      '.debussy/config.yaml': `github:\n  repositories: [${BILLING}]\n`
    })

    const result = await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '1' }))

    e2e.expectExit(result, 0)
    expect(labelsOf(a)).toEqual(['bug', IN_PROGRESS])
    expect(labelsOf(b)).toEqual(['team:payments', 'needs-review', IN_PROGRESS])
    expect(labelsOf(7, BILLING)).toEqual(['billing', IN_PROGRESS])
    for (const repo of [REPO, BILLING]) {
      expect(sim.label(repo, IN_PROGRESS)?.color.toUpperCase()).toBe('1D76DB')
    }
    expect(JSON.parse(result.outputs.issues ?? '')).toEqual([
      e2e.ref(a),
      e2e.ref(b),
      e2e.ref(7, BILLING)
    ])
    const ops = e2e.operationsOf(result)
    expect(ops).toContainEqual(expect.objectContaining({ op: 'create_label', repo: BILLING }))
    expect(ops).toContainEqual({ op: 'add_label', issue: e2e.ref(7, BILLING), label: IN_PROGRESS })
  })

  it('the seed format github_issues: [#1, #2] (a YAML comment to other tools) is read as the refs it names', async () => {
    const sample = seedSample(sim)
    const [a, b] = sample.issueNumbers as [number, number]
    const plan = e2e.withFrontmatter(
      `github_issues: [#${a}, #${b}]`,
      debussyPlan([], ['1', '2', '2.5', '3'])
    )
    const workspace = makeWorkspace({ [PLAN_PATH]: plan })

    const result = await e2e.fire(
      sim,
      workspace,
      { event: 'phase_started', plan: PLAN_PATH, phase: '1' },
      { inputs: { 'dry-run': 'true' } }
    )

    e2e.expectExit(result, 0)
    expect(JSON.parse(result.outputs.issues ?? '')).toEqual([e2e.ref(a), e2e.ref(b)])
    expect(e2e.writesOf(sim)).toEqual([])
  })
})
