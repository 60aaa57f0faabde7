/**
 * The CLI: `plan` against the simulator (it shares sync() with the action,
 * prints a table, and writes nothing without --apply); `check` offline; what
 * every command says about a typo, a bad flag or an unreachable GitHub.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { cli, parseRemote, type CliIO } from '../src/cli.js'
import { startSimulator, type GitHubSimulator } from '../test-support/github-simulator.js'
import { heldTiming } from '../test-support/held-clock.js'
import { makeWorkspace } from '../test-support/run-action.js'
import {
  PLAN_PATH,
  REPO,
  debussyPlan,
  seedSample,
  type Sample
} from '../test-support/sample-repo.js'
import { seedWorkspace, useSimulator } from '../test-support/e2e-helpers.js'

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
    ghToken: () => gh,
    // Writes spaced on the held clock, not by a real second each.
    timing: heldTiming(sim)
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

useSimulator((started) => {
  sim = started
  ;({ workspace, ...sample } = seedWorkspace(sim))
})

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
    const hostile = sim.addMilestone(REPO, { title: 'Q4\n::error::injected', description: '' })
    const issue = sim.addIssue(REPO, { title: 't', labels: [], milestone: hostile })
    workspace = makeWorkspace({ [PLAN_PATH]: debussyPlan([issue], ['1', '2']) })
    const captured = io()
    expect(await cli([...args(), '--apply'], captured)).toBe(0)
    expect(captured.stderr).toContain('Updated milestone "Q4%0A::error::injected"')
    expect(captured.stderr + captured.stdout).not.toMatch(/^\s*::/m)
  })

  it('writes with --apply, then has nothing left to do', async () => {
    const first = io()
    expect(await cli(args('--apply'), first)).toBe(0)
    // Each operation of the changeset with what became of it.
    expect(first.stdout).toMatch(/#\s+operation\s+target\s+detail\s+result/)
    expect(first.stdout).toMatch(
      new RegExp(`add_label\\s+${REPO}#\\d+\\s+debussy:completed\\s+applied`)
    )
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
    // Named as the flag the user typed, not as the action's workflow input.
    expect(bad.stderr).toContain('error: --completed-phases:')
    expect(bad.stderr).not.toContain('workflow_dispatch')
    expect(sim.requests).toHaveLength(1)
  })

  it('takes the token from gh when no variable is set, and says how to get one otherwise', async () => {
    expect(await cli(args(), io({}, sim.token))).toBe(0)
    const none = io({})
    expect(await cli(args(), none)).toBe(1)
    expect(none.stderr).toContain('gh auth login')
  })

  it.each([
    [[], 1, 'Usage: debussy-issue-sync COMMAND'],
    [['--help'], 0, 'Usage: debussy-issue-sync COMMAND'],
    [['plan', '--help'], 0, 'Usage: debussy-issue-sync plan'],
    [['watch', '--help'], 0, 'Usage: debussy-issue-sync watch'],
    [['apply'], 1, 'unknown command "apply"'],
    [['wacth'], 1, 'unknown command "wacth" (did you mean watch?)'],
    [['chek', '--plan', 'x.md'], 1, '(did you mean check?)'],
    [['plan', '--plan', 'x.md'], 1, '--repo OWNER/REPO is required'],
    [['plan', '--nope'], 1, "Unknown option '--nope'"],
    [['plan', '--evnt', 'phase_started'], 1, '(did you mean --event?)'],
    [
      ['plan', '--repo', REPO, '--plan', PLAN_PATH, '--event', 'phase_strated'],
      1,
      '--event: "phase_strated" is not an event (did you mean phase_started?)'
    ],
    [
      [
        'dispatch',
        '--event',
        'debussy-phase-complete',
        '--plan',
        'p.md',
        '--repo',
        REPO,
        '--dry-run'
      ],
      1,
      '(did you mean phase_completed?)'
    ]
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

describe('debussy-issue-sync plan: the board token (github.project) from DEBUSSY_PROJECT_TOKEN', () => {
  const PAT = 'github_pat_cli_board_token'
  /** A simulator where only PAT reaches Projects, as for the action's project-token input. */
  async function withBoard(test: (board: GitHubSimulator) => Promise<void>): Promise<void> {
    const board = await startSimulator({ projectToken: PAT })
    try {
      const seeded = seedSample(board)
      const number = board.addProject({ owner: 'acme', title: 'Payments board' })
      // The board is on the server the CLI talks to (--api-url's host).
      workspace = makeWorkspace({
        ...seeded.files,
        '.debussy/config.yaml': `github:\n  project:\n    url: https://${new URL(board.apiUrl).host}/orgs/acme/projects/${number}\n    values:\n      completed: Done\n`
      })
      await test(board)
    } finally {
      await board.close()
    }
  }
  const onBoard = (board: GitHubSimulator): string[] => [
    ...args('--apply').filter((arg) => arg !== sim.apiUrl && arg !== '--api-url'),
    '--api-url',
    board.apiUrl
  ]

  it('reads and writes the board with it, and never prints it', async () => {
    await withBoard(async (board) => {
      const captured = io({ GITHUB_TOKEN: board.token, DEBUSSY_PROJECT_TOKEN: PAT })
      expect(await cli(onBoard(board), captured)).toBe(0)
      expect(board.projectItems('acme', 1).map((item) => item.values.Status)).toEqual(
        sample.issueNumbers.map(() => 'Done')
      )
      expect(captured.stdout).toMatch(
        /set_project_field\s+acme\/payments#\d+\s+project Status: Done/
      )
      expect(captured.stdout + captured.stderr).not.toContain(PAT)
    })
  })

  it('without it, a token that cannot reach the board fails before any write, naming the variable', async () => {
    await withBoard(async (board) => {
      const captured = io({ GITHUB_TOKEN: board.token })
      expect(await cli(onBoard(board), captured)).toBe(1)
      expect(captured.stderr).toContain(
        'as DEBUSSY_PROJECT_TOKEN (GITHUB_TOKEN cannot reach Projects)'
      )
      expect(captured.stderr).not.toContain('project-token input')
      expect(board.writes()).toEqual([])
    })
  })

  it.each(['--project-token', '--token'])(
    'refuses %s as an option, naming the variable, without printing the value',
    async (flag) => {
      const captured = io()
      expect(await cli(args(flag, PAT), captured)).toBe(1)
      expect(captured.stderr).toContain('tokens are not taken as options')
      expect(captured.stderr).toContain(
        flag === '--token' ? 'Set GITHUB_TOKEN' : 'Set DEBUSSY_PROJECT_TOKEN'
      )
      expect(captured.stdout + captured.stderr).not.toContain(PAT)
      expect(sim.requests).toEqual([])
    }
  )
})

describe('debussy-issue-sync plan: input errors name the flags', () => {
  it('a plan that is not there is named --plan, not the action input', async () => {
    const captured = io()
    expect(
      await cli(
        [
          'plan',
          '--repo',
          REPO,
          '--plan',
          'nope.md',
          '--event',
          'phase_started',
          '--phase',
          '1',
          '--api-url',
          sim.apiUrl
        ],
        captured
      )
    ).toBe(1)
    expect(captured.stderr).toMatch(/^error: --plan: "nope.md" was not found/)
    expect(captured.stderr).not.toContain('input plan')
    expect(captured.stderr).not.toContain('actions/checkout')
    expect(sim.requests).toEqual([])
  })
})

describe('debussy-issue-sync check (offline)', () => {
  it('prints the linked issues, the phases, the milestone rule and every warning, with no token and no network', async () => {
    workspace = makeWorkspace({
      [PLAN_PATH]: `${sample.files[PLAN_PATH] ?? ''}\n**GitHub Issues:** #99\n**GitHub Issues:** see the tracker\n`,
      '.debussy/config.yaml': 'github:\n  auto_close: true\n  colour: red\n'
    })
    // No token anywhere, and an API no one listens on: check must need neither.
    const captured = io({}, undefined)
    const code = await cli(
      ['check', '--plan', PLAN_PATH, '--repo', REPO, '--api-url', 'http://127.0.0.1:9'],
      captured
    ).catch(() => -1)
    // --api-url is not an option of check: it is refused before anything else.
    expect(code).toBe(1)
    expect(captured.stderr).toContain("Unknown option '--api-url'")

    const offline = io({}, undefined)
    expect(await cli(['check', '--plan', PLAN_PATH, '--repo', REPO], offline)).toBe(0)
    const [a, b, c] = sample.issueNumbers
    expect(offline.stdout).toContain(
      `Linked issues (3):\n  ${REPO}#${a}\n  ${REPO}#${b}\n  ${REPO}#${c}`
    )
    expect(offline.stdout).toMatch(/Phases \(4\):\n\s+id\s+title\s+done\n\s+1\s+Phase 1\s+no/)
    expect(offline.stdout).toMatch(/\n\s+2\.5\s+Phase 2\.5\s+no/)
    expect(offline.stdout).toContain(
      'Milestone: the milestone of the first linked issue that has one'
    )
    expect(offline.stdout).toContain('auto_close true')
    expect(offline.stdout).toMatch(/Warnings \(\d+\):/)
    expect(offline.stdout).toContain('github.colour')
    expect(offline.stdout).toContain('a second **GitHub Issues:** line is ignored')
    expect(offline.stdout).toContain(
      '"**GitHub Issues:** see the tracker" looks like an issue list'
    )
    expect(offline.stderr).toBe('')
    expect(sim.requests).toEqual([])
  })

  it.each([
    ['not listed: skipped with a warning, as the action would', '', false],
    [
      'listed in github.repositories: linked',
      'github:\n  repositories: [acme/billing-service]\n',
      true
    ]
  ])('a ref to another repository, %s (SPEC §4)', async (_case, config, linked) => {
    const plan = (sample.files[PLAN_PATH] ?? '').replace(
      /(\*\*GitHub Issues:\*\* .*)/,
      '$1, acme/billing-service#7'
    )
    workspace = makeWorkspace({ [PLAN_PATH]: plan, '.debussy/config.yaml': config })
    const offline = io({}, undefined)
    expect(await cli(['check', '--plan', PLAN_PATH, '--repo', REPO], offline)).toBe(0)
    expect(offline.stdout).toContain(`Linked issues (${linked ? 4 : 3}):`)
    expect(offline.stdout.includes('  acme/billing-service#7\n')).toBe(linked)
    expect(offline.stdout.includes('Skipped acme/billing-service#7')).toBe(!linked)
    expect(sim.requests).toEqual([])
  })

  it('names the plan issue (parent_issue) as the action resolves it, and refuses one it may not write to', async () => {
    workspace = makeWorkspace({
      ...sample.files,
      '.debussy/config.yaml': 'github:\n  parent_issue: "#5"\n'
    })
    const offline = io({}, undefined)
    expect(await cli(['check', '--plan', PLAN_PATH, '--repo', REPO], offline)).toBe(0)
    expect(offline.stdout).toContain(
      `Parent issue: ${REPO}#5 (.debussy/config.yaml github.parent_issue): the linked issues become its sub-issues`
    )
    workspace = makeWorkspace({
      ...sample.files,
      '.debussy/config.yaml': 'github:\n  parent_issue: acme/elsewhere#5\n'
    })
    const refused = io({}, undefined)
    expect(await cli(['check', '--plan', PLAN_PATH, '--repo', REPO], refused)).toBe(1)
    expect(refused.stderr).toContain('github.parent_issue: acme/elsewhere#5 is in acme/elsewhere')
    expect(sim.requests).toEqual([])
  })

  it('needs --plan, and says so by its flag', async () => {
    const captured = io({})
    expect(await cli(['check'], captured)).toBe(1)
    expect(captured.stderr).toContain('--plan PATH is required')
  })
})

describe('debussy-issue-sync dispatch', () => {
  it('--dry-run prints the request it would send, validated as the action validates it', async () => {
    const captured = io({})
    expect(
      await cli(
        [
          'dispatch',
          '--event',
          'phase-completed',
          '--plan',
          PLAN_PATH,
          '--phase',
          '2',
          '--completed-phases',
          '2',
          '--total-phases',
          '4',
          '--repo',
          REPO,
          '--dry-run'
        ],
        captured
      )
    ).toBe(0)
    expect(captured.stdout).toBe(
      `[dry-run] POST /repos/${REPO}/dispatches {"event_type":"debussy-phase-completed","client_payload":{"event":"phase_completed","plan":"${PLAN_PATH}","phase":"2","completed_phases":2,"total_phases":4}}\n`
    )
    const bad = io({})
    expect(
      await cli(
        ['dispatch', '--event', 'phase_started', '--plan', PLAN_PATH, '--repo', REPO, '--dry-run'],
        bad
      )
    ).toBe(1)
    expect(bad.stderr).toContain('--phase: is required for phase_started')
    expect(sim.requests).toEqual([])
  })

  it('refuses a payload the action would refuse, worded as the action words it', async () => {
    const captured = io({})
    const dispatch = ['dispatch', '--event', 'plan_completed', '--plan', PLAN_PATH, '--repo', REPO]
    expect(await cli([...dispatch, '--run-id', 'x'.repeat(101), '--dry-run'], captured)).toBe(1)
    expect(captured.stderr).toContain('--run-id: got "xxx')
    expect(captured.stderr).toContain(
      'expected a string of 1 to 100 characters without control characters'
    )
    expect(captured.stdout).toBe('')
    expect(sim.requests).toEqual([])
  })

  it('sends to GitHub, reading the repository from the origin remote', async () => {
    const captured: Captured = Object.assign(io(), {
      originUrl: () => 'git@github.com:acme/payments.git'
    })
    expect(
      await cli(
        ['dispatch', '--event', 'plan_completed', '--plan', PLAN_PATH, '--api-url', sim.apiUrl],
        captured
      )
    ).toBe(0)
    expect(captured.stderr).toBe(`sent debussy-plan-completed to ${REPO}\n`)
    expect(sim.dispatches()).toEqual([
      {
        repo: REPO,
        eventType: 'debussy-plan-completed',
        clientPayload: { event: 'plan_completed', plan: PLAN_PATH }
      }
    ])
  })
})

describe('parseRemote', () => {
  it.each([
    ['https://github.com/acme/payments.git', 'github.com acme/payments'],
    ['https://github.com/acme/payments', 'github.com acme/payments'],
    ['git@github.com:acme/payments.git', 'github.com acme/payments'],
    ['ssh://git@ghe.example.com:2222/acme/payments.git', 'ghe.example.com acme/payments'],
    ['https://user@ghe.example.com/acme/payments/', 'ghe.example.com acme/payments']
  ])('%s is the host and repository %s', (url, hostAndRepo) => {
    const remote = parseRemote(url)
    expect(remote && `${remote.host} ${remote.repo.owner}/${remote.repo.repo}`).toBe(hostAndRepo)
  })

  it('is undefined for a path that names no repository', () => {
    expect(parseRemote('/srv/git/payments')).toBeUndefined()
  })
})

describe('debussy-issue-sync watch --once --dry-run', () => {
  it('prints where a run Debussy finished elsewhere is: one plan_completed snapshot from its rows, no token needed', async () => {
    const fixtures = path.join(import.meta.dirname, 'fixtures', 'debussy-run')
    workspace = makeWorkspace({
      'docs/plan/MASTER_PLAN.md': readFileSync(path.join(fixtures, 'MASTER_PLAN.md'), 'utf8')
    })
    mkdirSync(path.join(workspace, '.debussy'))
    copyFileSync(path.join(fixtures, 'state.db'), path.join(workspace, '.debussy', 'state.db'))
    const captured = io({})
    expect(
      await cli(
        ['watch', '--once', '--dry-run', '--repo', 'acme/widgets', '--workspace', workspace],
        captured
      )
    ).toBe(0)
    // master_plan_path was /home/dev/acme-widgets/docs/plan/MASTER_PLAN.md: matched by its tail.
    expect(captured.stdout.trim().split('\n')).toEqual([
      '[dry-run] POST /repos/acme/widgets/dispatches ' +
        JSON.stringify({
          event_type: 'debussy-plan-completed',
          client_payload: {
            event: 'plan_completed',
            plan: 'docs/plan/MASTER_PLAN.md',
            run_id: '49deae5b',
            sequence: 21,
            completed_phases: 4,
            total_phases: 4
          }
        })
    ])
    expect(captured.stderr).toContain(
      '[dry-run] would send plan_completed (run 49deae5b, #21, 4/4)'
    )
    expect(sim.requests).toEqual([])
  })

  it('says where state.db was looked for when there is none', async () => {
    const captured = io({})
    expect(
      await cli(
        ['watch', '--once', '--dry-run', '--repo', REPO, '--workspace', workspace],
        captured
      )
    ).toBe(1)
    expect(captured.stderr).toMatch(/error: --db: .*\.debussy\/state\.db does not exist/)
  })
})

describe('debussy-issue-sync watch -- COMMAND (in process)', () => {
  it("exits with the command's exit code, leaving runs that were there before alone", async () => {
    mkdirSync(path.join(workspace, '.debussy'))
    const fixtures = path.join(import.meta.dirname, 'fixtures', 'debussy-run')
    copyFileSync(path.join(fixtures, 'state.db'), path.join(workspace, '.debussy', 'state.db'))
    const captured = io({})
    const argv = ['watch', '--dry-run', '--repo', REPO, '--workspace', workspace, '--poll-ms', '50']
    expect(await cli([...argv, '--', process.execPath, '-e', 'process.exit(3)'], captured)).toBe(3)
    expect(captured.stderr).toContain('waiting for a Debussy run to start')
    // The finished run already in state.db is not this command's: nothing was sent for it.
    expect(captured.stdout).toBe('')
  })

  it('passes Ctrl-C and SIGTERM on to the command', async () => {
    let signal: ((s: NodeJS.Signals) => void) | undefined
    const captured: Captured = Object.assign(io({}), {
      onSignal: (handler: (s: NodeJS.Signals) => void) => {
        signal = handler
        // The command is running by now (spawned before the handler is set): no real wait.
        setImmediate(() => handler('SIGTERM'))
        return () => (signal = undefined)
      }
    })
    const code = await cli(
      [
        'watch',
        '--dry-run',
        '--repo',
        REPO,
        '--workspace',
        workspace,
        '--poll-ms',
        '50',
        '--',
        process.execPath,
        '-e',
        'setTimeout(() => {}, 20000)'
      ],
      captured
    )
    expect(code).toBe(143)
    expect(captured.stderr).toContain('passing SIGTERM to the command')
    expect(signal).toBeUndefined()
  })

  it('a command that cannot start is said so, exit 127', async () => {
    const captured = io({})
    const argv = ['watch', '--dry-run', '--repo', REPO, '--workspace', workspace, '--poll-ms', '50']
    expect(await cli([...argv, '--', 'no-such-command-xyz'], captured)).toBe(127)
    expect(captured.stderr).toContain('could not start no-such-command-xyz')
  })
})
