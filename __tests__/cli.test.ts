/**
 * The local preview CLI against the simulator: it shares sync() with the
 * action, prints a table, and writes nothing without --apply.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { cli, type CliIO } from '../src/cli.js'
import { startSimulator, type GitHubSimulator } from '../test-support/github-simulator.js'
import { cleanup, makeWorkspace } from '../test-support/run-action.js'
import {
  PLAN_PATH,
  REPO,
  debussyPlan,
  seedSample,
  type Sample
} from '../test-support/sample-repo.js'

let sim: GitHubSimulator
let sample: Sample
let workspace: string

interface Captured extends CliIO {
  stdout: string
  stderr: string
}

function io(env: Record<string, string> = { GITHUB_TOKEN: sim.token }, gh?: string): Captured {
  const captured: Captured = {
    env,
    cwd: workspace,
    stdout: '',
    stderr: '',
    out: (text) => {
      captured.stdout += text
    },
    err: (text) => {
      captured.stderr += text
    },
    ghToken: () => gh
  }
  return captured
}

const args = (...extra: string[]): string[] => [
  'plan',
  '--repo',
  REPO,
  '--plan',
  PLAN_PATH,
  '--event',
  'phase_completed',
  '--phase',
  '2',
  '--api-url',
  sim.apiUrl,
  ...extra
]

beforeEach(async () => {
  sim = await startSimulator()
  sample = seedSample(sim)
  workspace = makeWorkspace(sample.files)
})
afterEach(async () => {
  await sim.close()
})
afterAll(() => cleanup())

describe('debussy-issue-sync plan', () => {
  it('previews the writes as a table and changes nothing', async () => {
    const captured = io()
    expect(await cli(args(), captured)).toBe(0)
    expect(sim.writes()).toEqual([])
    const [first] = sample.issueNumbers
    expect(captured.stdout).toContain(
      'phase_completed for docs/plans/payments-retry/MASTER_PLAN.md (preview: nothing was written)'
    )
    expect(captured.stdout).toMatch(/#\s+operation\s+target\s+detail/)
    expect(captured.stdout).toMatch(
      new RegExp(`add_label\\s+${REPO}#${first}\\s+debussy:completed`)
    )
    expect(captured.stdout).toMatch(
      /update_milestone\s+acme\/payments milestone #\d+\s+progress 1\/4 \(25%\)/
    )
    expect(captured.stdout).toContain('Run again with --apply to make these writes.')
    expect(captured.stderr).toContain('[dry-run] Add label "debussy:completed"')
  })

  it('a milestone title with a line break and a command prints as one line', async () => {
    await sim.close()
    sim = await startSimulator()
    sim.addRepo(REPO)
    const hostile = sim.addMilestone(REPO, { title: 'Q4\n::error::injected', description: '' })
    const issue = sim.addIssue(REPO, { title: 't', labels: [], milestone: hostile })
    workspace = makeWorkspace({ [PLAN_PATH]: debussyPlan([issue], ['1', '2']) })
    const captured = io()
    expect(await cli([...args(), '--apply'], captured)).toBe(0)
    expect(captured.stderr).toContain('Updated milestone "Q4%0A::error::injected"')
    expect(captured.stderr + captured.stdout).not.toMatch(/^\s*::/m)
  })

  it('writes with --apply, then has nothing left to do', async () => {
    expect(await cli(args('--apply'), io())).toBe(0)
    for (const n of sample.issueNumbers)
      expect(sim.issue(REPO, n).labels).toContain('debussy:completed')
    const again = io()
    sim.resetLog()
    expect(await cli(args('--apply'), again)).toBe(0)
    expect(sim.writes()).toEqual([])
    expect(again.stdout).toContain('No writes: GitHub already matches this event.')
  })

  it('passes the progress snapshot through the same validation as the action', async () => {
    const captured = io()
    expect(await cli(args('--completed-phases', '3', '--total-phases', '4'), captured)).toBe(0)
    expect(captured.stdout).toContain('progress 3/4 (75%)')
    const bad = io()
    expect(await cli(args('--completed-phases', 'three'), bad)).toBe(1)
    expect(bad.stderr).toContain('workflow_dispatch inputs.completed_phases')
    expect(sim.requests).toHaveLength(1)
  })

  it('takes the token from gh when no variable is set, and says how to get one otherwise', async () => {
    expect(await cli(args(), io({}, sim.token))).toBe(0)
    const none = io({})
    expect(await cli(args(), none)).toBe(1)
    expect(none.stderr).toContain('gh auth login')
  })

  it.each([
    [[], 1, 'Usage: debussy-issue-sync plan'],
    [['--help'], 0, 'Usage: debussy-issue-sync plan'],
    [['apply'], 1, 'unknown command "apply"'],
    [['plan', '--plan', 'x.md'], 1, '--repo OWNER/REPO is required'],
    [['plan', '--nope'], 1, "Unknown option '--nope'"]
  ])('%j exits %i with %j', async (argv, code, message) => {
    const captured = io()
    expect(await cli(argv, captured)).toBe(code)
    expect(captured.stdout + captured.stderr).toContain(message)
    expect(sim.requests).toEqual([])
  })

  it('never writes for a dry run asked by the config, even with --apply', async () => {
    workspace = makeWorkspace({
      ...sample.files,
      '.debussy/config.yaml': 'github:\n  dry_run: true\n'
    })
    expect(await cli(args('--apply'), io())).toBe(0)
    expect(sim.writes()).toEqual([])
  })
})
