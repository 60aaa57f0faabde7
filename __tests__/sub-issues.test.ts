import { describe, expect, it } from '@jest/globals'
import { DEFAULT_CONFIG, parseConfig } from '../src/config.js'
import { parsePlan } from '../src/plan/plan-file.js'
import type {
  IssueRef,
  MasterPlan,
  ObservedIssue,
  ObservedLabel,
  ParentIssue,
  ParentLink,
  Snapshot
} from '../src/domain.js'
import { reconcile } from '../src/reconcile.js'
import { shownOperation } from '../src/report.js'
import {
  MAX_SUB_ISSUES,
  checkParent,
  planSubIssues,
  syncedIssues,
  withParent
} from '../src/sub-issues.js'
import { openIssue, phaseEvent } from '../test-support/domain-builders.js'

const ref = (number: number, repo = 'app', owner = 'acme'): IssueRef => ({ owner, repo, number })
const link = (number: number, repo = 'app'): ParentLink => ({
  id: `I_${number}`,
  ref: ref(number, repo)
})
const PARENT: ParentIssue = { ref: ref(5), field: 'plan github_parent (line 3)' }

type Found = Extract<ObservedIssue, { found: true }>
const issue = (number: number, extra: Partial<Found> = {}, labels: ObservedLabel[] = []): Found =>
  openIssue(ref(number), labels, undefined, { parent: null, ...extra }) as Found

const snapshot = (
  issues: ObservedIssue[],
  parent: ObservedIssue = issue(5),
  subIssues = 0
): Snapshot => ({
  issues,
  labels: new Map([['acme/app', new Map()]]),
  namedMilestone: undefined,
  parent: { issue: parent, subIssues }
})

const plan = (overrides: Partial<MasterPlan> = {}): MasterPlan => ({
  path: 'docs/plan.md',
  title: 'Plan',
  issues: [ref(10), ref(11)],
  repo: { owner: 'acme', repo: 'app' },
  milestone: undefined,
  phases: [{ id: '1', title: 'One', done: false }],
  ...overrides
})

const added = (s: Snapshot, parent: ParentIssue | undefined = PARENT): string[] =>
  [...planSubIssues(parent, s).operations.values()].map((op) => `${op.issue} → ${op.parent}`)

describe('planSubIssues: which linked issues become sub-issues of the plan issue', () => {
  it.each<[string, ObservedIssue[], string[]]>([
    [
      'issues without a parent, in plan order',
      [issue(11), issue(10)],
      ['acme/app#11 → acme/app#5', 'acme/app#10 → acme/app#5']
    ],
    [
      'one already under the parent: nothing (a redelivery writes nothing)',
      [issue(10, { parent: link(5) }), issue(11)],
      ['acme/app#11 → acme/app#5']
    ],
    [
      'the parent listed as a linked issue: never its own sub-issue',
      [issue(5), issue(10)],
      ['acme/app#10 → acme/app#5']
    ],
    [
      'a pull request: left out',
      [issue(10, { kind: 'pull_request', parent: undefined }), issue(11)],
      ['acme/app#11 → acme/app#5']
    ],
    [
      'a person chose another parent: kept there',
      [issue(10, { parent: link(7) }), issue(11)],
      ['acme/app#11 → acme/app#5']
    ],
    [
      'an issue not found: left out',
      [{ ref: ref(10), found: false, reason: 'gone' }, issue(11)],
      ['acme/app#11 → acme/app#5']
    ],
    [
      'the parent of the parent: left out (a loop)',
      [issue(10), issue(11)],
      ['acme/app#11 → acme/app#5']
    ],
    ['parent not read (feature off): nothing', [issue(10, { parent: undefined })], []]
  ])('%s', (name, issues, expected) => {
    const parent = name.includes('loop') ? issue(5, { parent: link(10) }) : issue(5)
    expect(added(snapshot(issues, parent))).toEqual(expected)
  })

  it('carries the node ids apply needs: the parent as issueId, the linked issue as subIssueId', () => {
    const [op] = planSubIssues(PARENT, snapshot([issue(10)])).operations.values()
    expect(op?.target).toEqual({ issueId: 'I_10', parentId: 'I_5' })
    expect(op === undefined ? undefined : shownOperation(op)).toEqual({
      op: 'add_sub_issue',
      issue: 'acme/app#10',
      parent: 'acme/app#5'
    })
  })

  it('says what it left alone: a notice for another parent and for pull requests, a warning for a loop', () => {
    const messages = (s: Snapshot): string[] =>
      planSubIssues(PARENT, s).findings.map((f) => `${f.level}: ${f.message}`)
    expect(messages(snapshot([issue(10, { parent: link(7, 'other') })]))).toEqual([
      'notice: Left under the parent a person chose: acme/app#10 (under acme/other#7); not moved under acme/app#5. Remove that parent on GitHub to have the next event add it.'
    ])
    expect(messages(snapshot([issue(10, { kind: 'pull_request', parent: undefined })]))[0]).toMatch(
      /^notice: acme\/app#10: pull request\(s\), which GitHub does not make sub-issues/
    )
    expect(messages(snapshot([issue(10)], issue(5, { parent: link(10) })))[0]).toMatch(
      /^warning: acme\/app#10 is the parent of acme\/app#5: .* a loop/
    )
    expect(messages(snapshot([issue(10, { parent: link(5) })]))).toEqual([])
  })

  it.each([
    [0, 3, 3, false],
    [97, 3, 3, false],
    [98, 3, 2, true],
    [MAX_SUB_ISSUES, 3, 0, true]
  ])(
    'GitHub holds at most 100 sub-issues: with %i already there, %i candidates → %i added',
    (already, count, expected, warned) => {
      const issues = Array.from({ length: count }, (_, i) => issue(10 + i))
      const planned = planSubIssues(PARENT, snapshot(issues, issue(5), already))
      expect(planned.operations.size).toBe(expected)
      const warning = planned.findings.find((f) => f.level === 'warning')
      expect(warning !== undefined).toBe(warned)
      if (warned) {
        expect(warning?.message).toContain(
          `has ${already} sub-issue(s) and GitHub allows at most 100`
        )
        // The ones left out are named, the last in plan order first to go.
        expect(warning?.message).toContain(`acme/app#${10 + count - 1}`)
      }
    }
  )

  it('a parent that is missing or a pull request plans nothing (checkParent fails the step first)', () => {
    expect(
      added(snapshot([issue(10)], { ref: ref(5), found: false, reason: 'not found' }))
    ).toEqual([])
    expect(added(snapshot([issue(10)], issue(5, { kind: 'pull_request' })))).toEqual([])
    expect(planSubIssues(undefined, snapshot([issue(10)])).operations.size).toBe(0)
  })
})

describe('withParent: the plan wins over the config; bare numbers are issues of the plan repository', () => {
  const where = {
    workflowRepo: { owner: 'acme', repo: 'app' },
    configPath: '.debussy/config.yaml',
    serverHost: 'github.com'
  }
  const config = (
    parentIssue: number | string | undefined,
    repositories = DEFAULT_CONFIG.repositories
  ) => ({
    parentIssue,
    repositories
  })

  it.each<
    [
      string,
      Partial<MasterPlan>,
      number | string | undefined,
      string | undefined,
      string | undefined
    ]
  >([
    ['neither', {}, undefined, undefined, undefined],
    [
      'config number, plan repository',
      {},
      5,
      'acme/app#5',
      '.debussy/config.yaml github.parent_issue'
    ],
    [
      'config "#5" in the plan github_repo',
      { repo: { owner: 'acme', repo: 'lib' } },
      '#5',
      'acme/lib#5',
      '.debussy/config.yaml github.parent_issue'
    ],
    [
      'config URL',
      {},
      'https://github.com/acme/app/issues/6',
      'acme/app#6',
      '.debussy/config.yaml github.parent_issue'
    ],
    ['plan wins over config', { parent: PARENT }, 9, 'acme/app#5', 'plan github_parent (line 3)']
  ])('%s', (_name, planned, configured, expected, field) => {
    const result = withParent(plan(planned), config(configured), where)
    expect(
      result.parent === undefined
        ? undefined
        : `${result.parent.ref.owner}/${result.parent.ref.repo}#${result.parent.ref.number}`
    ).toBe(expected)
    expect(result.parent?.field).toBe(field)
  })

  it('a parent in another repository is allowed only where the action may write (github.repositories)', () => {
    expect(() => withParent(plan(), config('acme/lib#9'), where)).toThrow(
      '.debussy/config.yaml github.parent_issue: acme/lib#9 is in acme/lib, where the action may not write (it writes only to acme/app). Name an issue in one of those, or add acme/lib to github.repositories in .debussy/config.yaml'
    )
    const allowed = withParent(
      plan(),
      config('acme/lib#9', [{ owner: 'acme', repo: 'lib' }]),
      where
    )
    expect(allowed.parent?.ref).toEqual(ref(9, 'lib'))
    const fromPlan = { ref: ref(9, 'lib'), field: 'plan github_parent (line 2)' }
    expect(() => withParent(plan({ parent: fromPlan }), config(undefined), where)).toThrow(
      /^plan github_parent \(line 2\): acme\/lib#9 is in acme\/lib/
    )
  })

  it('a config ref that is not an issue ref fails naming parent_issue', () => {
    expect(() =>
      withParent(plan(), config('https://example.com/acme/app/issues/5'), where)
    ).toThrow(/^\.debussy\/config\.yaml github\.parent_issue: .* refers to another host/)
  })
})

describe('checkParent: a parent that cannot be one fails before any write', () => {
  it.each<[string, ObservedIssue, RegExp | undefined]>([
    ['an issue', issue(5), undefined],
    [
      'not found',
      { ref: ref(5), found: false, reason: 'not found: it does not exist' },
      /^plan github_parent \(line 3\): acme\/app#5 could not be read \(not found: it does not exist\)\. Set it to an issue that exists/
    ],
    [
      'a pull request',
      issue(5, { kind: 'pull_request' }),
      /^plan github_parent \(line 3\): acme\/app#5 is a pull request; only an issue can have sub-issues\. Set it to an issue/
    ]
  ])('%s', (_name, observed, error) => {
    const check = (): void => checkParent(PARENT, { issue: observed, subIssues: 0 })
    if (error === undefined) expect(check).not.toThrow()
    else expect(check).toThrow(error)
  })

  it('no parent configured: nothing to check', () => {
    expect(() => checkParent(undefined, undefined)).not.toThrow()
  })
})

describe('reconcile with a parent issue', () => {
  const labels = new Map([
    ['debussy:in-progress', { id: 'LA_ip', name: 'debussy:in-progress' }],
    ['debussy:completed', { id: 'LA_c', name: 'debussy:completed' }]
  ])
  const base = (issues: ObservedIssue[], parent: ObservedIssue): Snapshot => ({
    ...snapshot(issues, parent),
    labels: new Map([['acme/app', labels]])
  })
  const run = (
    kind: 'phase_started' | 'plan_completed',
    s: Snapshot,
    p = plan({ parent: PARENT })
  ) =>
    reconcile({
      event: phaseEvent(kind),
      config: DEFAULT_CONFIG,
      plan: p,
      snapshot: s,
      autoClose: true
    })
  const ops = (changeset: ReturnType<typeof run>): string[] =>
    changeset.operations.map((op) => {
      const shown = shownOperation(op)
      return `${shown.op} ${'issue' in shown ? shown.issue : ''}`.trim()
    })

  it('labels the parent like the linked issues (keeping its other labels) and adds each linked issue under it', () => {
    const parent = issue(5, {}, [
      { id: 'LA_e', name: 'epic' },
      { id: 'LA_c', name: 'debussy:completed' }
    ])
    const changeset = run('phase_started', base([issue(10), issue(11)], parent))
    expect(ops(changeset)).toEqual([
      'add_label acme/app#10',
      'add_sub_issue acme/app#10',
      'add_label acme/app#11',
      'add_sub_issue acme/app#11',
      'add_label acme/app#5',
      'remove_label acme/app#5'
    ])
    expect(changeset.issues.map((i) => `${i.issue}: ${i.labelsAfter.join(', ')}`)).toEqual([
      'acme/app#10: debussy:in-progress',
      'acme/app#11: debussy:in-progress',
      'acme/app#5: epic, debussy:in-progress'
    ])
  })

  it('closes the parent with the others when auto-close closes, after them; the parent listed as linked is synced once', () => {
    const all = plan({ parent: PARENT, phases: [{ id: '1', title: 'One', done: true }] })
    const linked = [issue(10, { parent: link(5) }), issue(5)]
    const changeset = run('plan_completed', base(linked, issue(5)), {
      ...all,
      issues: [ref(10), ref(5)]
    })
    expect(changeset.closing).toEqual(['acme/app#10', 'acme/app#5'])
    expect(ops(changeset).filter((o) => o.startsWith('add_sub_issue'))).toEqual([])
    expect(changeset.issues.map((i) => i.issue)).toEqual(['acme/app#10', 'acme/app#5'])
  })

  it('a closed parent is not closed again; syncedIssues appends the parent once, only when there is one', () => {
    const closedParent = issue(5, { state: 'closed' })
    const s = base([issue(10)], closedParent)
    const all = plan({ parent: PARENT, phases: [{ id: '1', title: 'One', done: true }] })
    expect(run('plan_completed', s, all).closing).toEqual(['acme/app#10'])
    expect(syncedIssues(s, PARENT).map((i) => i.ref.number)).toEqual([10, 5])
    expect(syncedIssues(s, undefined).map((i) => i.ref.number)).toEqual([10])
  })
})

describe('the keys: github.parent_issue in the config, github_parent in the plan', () => {
  const context = { defaultRepo: { owner: 'acme', repo: 'app' }, serverHost: 'github.com' }
  const planText = (line: string): string =>
    `---\ngithub_repo: acme/lib\ngithub_issues: [10]\n${line}\n---\n# Plan\n`

  it.each<[string, number | string | undefined]>([
    ['', undefined],
    ['  parent_issue: 5', 5],
    ['  parent_issue: "#5"', '#5'],
    ['  parent_issue: acme/app#5', 'acme/app#5'],
    ['  parent_issue: https://github.com/acme/app/issues/5', 'https://github.com/acme/app/issues/5']
  ])('config %j → %j', (line, expected) => {
    expect(parseConfig(`github:\n${line}\n`, '.debussy/config.yaml').config.parentIssue).toBe(
      expected
    )
  })

  it.each([
    [
      '  parent_issue: #5',
      /github\.parent_issue: .*expected an issue number or ref .* in quotes \(unquoted, YAML reads "#" as the start of a comment\)/
    ],
    ['  parent_issue: 0', /github\.parent_issue: .*Write parent_issue: 5/],
    ['  parent_issue: "five"', /github\.parent_issue: .*Write parent_issue: 5/],
    ['  parent_issue: [5, 6]', /github\.parent_issue: /]
  ])('config %j is refused naming the key and the fix', (line, message) => {
    expect(() => parseConfig(`github:\n${line}\n`, '.debussy/config.yaml')).toThrow(message)
  })

  it.each<[string, string | undefined]>([
    ['', undefined],
    ['github_parent: 5', 'acme/lib#5'],
    ['github_parent: "#5"', 'acme/lib#5'],
    ['github_parent: acme/app#5', 'acme/app#5'],
    ['github_parent:', undefined]
  ])('plan %j → %j (bare numbers in the plan github_repo)', (line, expected) => {
    const parent = parsePlan(planText(line), 'docs/plan.md', context).plan.parent
    expect(
      parent === undefined
        ? undefined
        : `${parent.ref.owner}/${parent.ref.repo}#${parent.ref.number}`
    ).toBe(expected)
    if (parent !== undefined) expect(parent.field).toBe('plan github_parent (line 4)')
  })

  it.each([
    [
      'github_parent: #5',
      /^plan github_parent \(line 4\): "#5" is a YAML comment, so the parent issue would be ignored\. Write github_parent: 5/
    ],
    ['github_parent: "#5, #6"', /^plan github_parent \(line 4\): names more than one issue/],
    ['github_parent: [5]', /^plan github_parent \(line 4\): a list is not an issue/],
    ['github_parent: "#0"', /^plan github_parent \(line 4\): .*issue number 0/]
  ])('plan %j is refused naming the key and the fix', (line, message) => {
    expect(() => parsePlan(planText(line), 'docs/plan.md', context)).toThrow(message)
  })
})
