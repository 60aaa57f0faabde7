import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type {
  EventKind,
  IssueRef,
  MasterPlan,
  ObservedIssue,
  ObservedLabel,
  ObservedMilestone,
  Operation,
  PhaseEvent,
  Snapshot,
  SyncConfig
} from '../src/domain.js'
import { DEFAULT_CONFIG } from '../src/config.js'
import { upsertProgressBlock } from '../src/progress.js'
import { reconcile, type ReconcileInput } from '../src/reconcile.js'
import { shownOperation } from '../src/report.js'
import {
  BARE_PHASES,
  type BareEvent,
  bareScenarioArb,
  describeBare,
  expectedProgressLine,
  expectedStateLabel
} from '../test-support/bare-events.js'
import { openIssue, phaseEvent, masterPlan } from '../test-support/domain-builders.js'

const config: SyncConfig = { ...DEFAULT_CONFIG, enabled: true }

const ref = (number: number, repo = 'app'): IssueRef => ({ owner: 'acme', repo, number })

const milestone = (description = 'Human text.', number = 3): ObservedMilestone => ({
  repo: { owner: 'acme', repo: 'app' },
  number,
  title: `Q${number}`,
  description,
  url: `https://github.com/acme/app/milestone/${number}`
})

let nextId = 0
const label = (name: string): ObservedLabel => ({ id: `LA_${name}_${nextId++}`, name })

const issue = (
  number: number,
  labels: string[],
  extra: Partial<Extract<ObservedIssue, { found: true }>> = {}
): ObservedIssue => openIssue(ref(number), labels.map(label), milestone(), extra)

const plan = (overrides: Partial<MasterPlan> = {}): MasterPlan =>
  masterPlan({
    title: 'Retry queue by @payments-team',
    issues: [ref(10), ref(11)],
    phases: [
      { id: '1', title: 'One', done: true },
      { id: '2', title: 'Two', done: false },
      { id: '3', title: 'Three', done: false },
      { id: '4', title: 'Four', done: false }
    ],
    ...overrides
  })

const event = phaseEvent

const snapshot = (
  issues: ObservedIssue[],
  existing = ['debussy:in-progress', 'debussy:completed', 'debussy:failed']
): Snapshot => ({
  issues,
  labels: new Map([['acme/app', new Map(existing.map((n) => [n.toLowerCase(), label(n)]))]]),
  namedMilestone: undefined
})

const input = (overrides: Partial<ReconcileInput>): ReconcileInput => ({
  event: event('phase_completed'),
  config,
  plan: plan(),
  snapshot: snapshot([issue(10, ['bug']), issue(11, ['debussy:in-progress', 'team:payments'])]),
  autoClose: false,
  ...overrides
})

/** Operations as users see them (the `operations` output), without what apply needs. */
const shown = (ops: readonly Operation[]) => ops.map(shownOperation)
const labelOps = (ops: readonly Operation[]) =>
  shown(
    ops.filter(
      (op) => op.op === 'add_label' || op.op === 'remove_label' || op.op === 'create_label'
    )
  )

describe('reconcile: state labels (SPEC §6 table)', () => {
  it.each<[EventKind, string, string[]]>([
    ['phase_started', 'debussy:in-progress', ['debussy:completed', 'debussy:failed']],
    ['phase_completed', 'debussy:completed', ['debussy:in-progress', 'debussy:failed']],
    ['phase_failed', 'debussy:failed', ['debussy:in-progress', 'debussy:completed']],
    ['plan_completed', 'debussy:completed', ['debussy:in-progress', 'debussy:failed']],
    ['phase_validating', 'debussy:validating', ['debussy:in-progress', 'debussy:blocked']],
    ['phase_awaiting_human', 'debussy:awaiting-human', ['debussy:validating']],
    ['phase_blocked', 'debussy:blocked', ['debussy:awaiting-human', 'debussy:failed']],
    ['phase_started', 'debussy:in-progress', ['debussy:blocked', 'debussy:awaiting-human']],
    ['phase_completed', 'debussy:completed', ['debussy:validating']]
  ])(
    '%s leaves exactly %s among the six state labels, every other label kept',
    (kind, target, others) => {
      const states = [
        'debussy:in-progress',
        'debussy:completed',
        'debussy:failed',
        'debussy:validating',
        'debussy:awaiting-human',
        'debussy:blocked'
      ]
      const start = [
        issue(10, ['bug', ...others]),
        issue(11, [target, 'needs-review']),
        issue(12, [
          'Debussy:In-Progress',
          'Debussy:Completed',
          'Debussy:Failed',
          'Debussy:Validating',
          'Debussy:Awaiting-Human',
          'Debussy:Blocked'
        ])
      ]
      const result = reconcile(input({ event: event(kind), snapshot: snapshot(start, states) }))
      const after = new Map(result.issues.map((i) => [i.issue, i.labelsAfter]))
      for (const labels of after.values()) {
        expect(labels.filter((l) => states.includes(l.toLowerCase()))).toHaveLength(1)
        expect(labels.map((l) => l.toLowerCase())).toContain(target)
      }
      expect(after.get('acme/app#10')).toEqual(['bug', target])
      expect(after.get('acme/app#11')).toEqual([target, 'needs-review'])
      expect(
        result.operations
          .filter((op) => op.op === 'remove_label')
          .map((op) => 'label' in op && op.label)
      ).not.toContain('bug')
      expect(result.operations.some((op) => op.op === 'close_issue')).toBe(false)
    }
  )

  it('removes only state labels and adds only the target', () => {
    const result = reconcile(input({}))
    expect(labelOps(result.operations)).toEqual([
      { op: 'add_label', issue: 'acme/app#10', label: 'debussy:completed' },
      { op: 'add_label', issue: 'acme/app#11', label: 'debussy:completed' },
      { op: 'remove_label', issue: 'acme/app#11', label: 'debussy:in-progress' }
    ])
  })

  it('creates a missing state label once per repository, with its color and a description', () => {
    const result = reconcile(input({ snapshot: snapshot([issue(10, []), issue(11, [])], []) }))
    const creates = result.operations.filter((op) => op.op === 'create_label')
    expect(shown(creates)).toEqual([
      {
        op: 'create_label',
        repo: 'acme/app',
        label: 'debussy:completed',
        color: '0E8A16',
        description: expect.stringMatching(/^Debussy: .{5,80}$/)
      }
    ])
    // Created before any label change uses it (only the milestone's write goes earlier).
    const at = (kind: string): number => result.operations.findIndex((op) => op.op === kind)
    expect(at('create_label')).toBeLessThan(at('add_label'))
    expect(result.operations[0]?.op).toBe('update_milestone')
  })

  it.each<[EventKind, string, string]>([
    ['phase_validating', 'debussy:validating', 'FBCA04'],
    ['phase_awaiting_human', 'debussy:awaiting-human', 'D876E3'],
    ['phase_blocked', 'debussy:blocked', 'B60205']
  ])('creates the missing label of %s as %s with its own color', (kind, label, color) => {
    const result = reconcile(
      input({ event: event(kind), snapshot: snapshot([issue(10, ['debussy:in-progress'])]) })
    )
    expect(result.state).toBe(label.replace('debussy:', ''))
    expect(labelOps(result.operations)).toEqual([
      {
        op: 'create_label',
        repo: 'acme/app',
        label,
        color,
        description: expect.stringMatching(/^Debussy: .{5,80}$/)
      },
      { op: 'add_label', issue: 'acme/app#10', label },
      { op: 'remove_label', issue: 'acme/app#10', label: 'debussy:in-progress' }
    ])
  })

  it('with create_labels_if_missing false: no create, no add, one warning naming the label', () => {
    const result = reconcile(
      input({
        config: { ...config, createLabelsIfMissing: false },
        snapshot: snapshot([issue(10, ['debussy:in-progress']), issue(11, [])], [])
      })
    )
    expect(
      result.operations.filter((op) => op.op === 'create_label' || op.op === 'add_label')
    ).toEqual([])
    expect(shown(result.operations)).toContainEqual({
      op: 'remove_label',
      issue: 'acme/app#10',
      label: 'debussy:in-progress'
    })
    const warnings = result.findings.filter((f) => f.level === 'warning')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.message).toContain('"debussy:completed" does not exist in acme/app')
  })

  it('uses the configured label names', () => {
    const custom = {
      ...config,
      labels: { ...config.labels, inProgress: 'wip', completed: 'done', failed: 'broken' }
    }
    const result = reconcile(
      input({
        config: custom,
        event: event('phase_failed'),
        snapshot: snapshot([issue(10, ['wip'])], ['broken'])
      })
    )
    expect(labelOps(result.operations)).toEqual([
      { op: 'add_label', issue: 'acme/app#10', label: 'broken' },
      { op: 'remove_label', issue: 'acme/app#10', label: 'wip' }
    ])
  })

  it('labels closed issues and pull requests like open ones', () => {
    const result = reconcile(
      input({
        snapshot: snapshot([
          issue(10, [], { state: 'closed' }),
          issue(11, [], { kind: 'pull_request' })
        ])
      })
    )
    expect(result.operations.filter((op) => op.op === 'add_label')).toHaveLength(2)
  })

  it('warns about an issue that could not be read and syncs the others', () => {
    const missing: ObservedIssue = { ref: ref(99), found: false, reason: 'not found' }
    const result = reconcile(input({ snapshot: snapshot([missing, issue(10, [])]) }))
    expect(shown(result.operations)).toContainEqual({
      op: 'add_label',
      issue: 'acme/app#10',
      label: 'debussy:completed'
    })
    // Nothing is written to an issue that was not read: it has no node id to write to.
    expect(result.operations.some((op) => 'issue' in op && op.issue === 'acme/app#99')).toBe(false)
    expect(result.findings).toContainEqual({
      level: 'warning',
      message: expect.stringContaining('acme/app#99 could not be read')
    })
    expect(result.issues[0]).toMatchObject({ issue: 'acme/app#99', found: false })
  })
})

describe('reconcile: the changeset carries what apply needs', () => {
  it('node ids, label ids (or the create_label that makes the label), the milestone first', () => {
    const present = reconcile(input({}))
    const add = present.operations.find((op) => op.op === 'add_label')
    const labelId = present.issues[0]?.operations.find((op) => op.op === 'add_label')
    expect(add).toBe(labelId)
    expect(add?.op === 'add_label' && add.target).toEqual({
      issueId: 'I_10',
      label: { id: expect.stringMatching(/^LA_debussy:completed/) }
    })
    const remove = present.operations.find((op) => op.op === 'remove_label')
    expect(remove?.op === 'remove_label' && remove.target).toEqual({
      issueId: 'I_11',
      labelIds: [expect.stringMatching(/^LA_debussy:in-progress/)]
    })
    // Apply writes the milestone right after the read its description was computed from.
    const [update] = present.operations
    expect(update?.op === 'update_milestone' && update.target).toEqual({
      repo: { owner: 'acme', repo: 'app' }
    })

    const missing = reconcile(input({ snapshot: snapshot([issue(10, []), issue(11, [])], []) }))
    const create = missing.operations.find((op) => op.op === 'create_label')
    const adds = missing.operations.filter((op) => op.op === 'add_label')
    expect(adds).toHaveLength(2)
    for (const op of adds) expect(op.target.label).toEqual({ created: create })
  })
})

describe('reconcile: milestone', () => {
  it('writes the progress block into the first linked milestone, keeping its text', () => {
    const result = reconcile(input({}))
    const update = result.operations.find((op) => op.op === 'update_milestone')
    expect(update).toMatchObject({
      op: 'update_milestone',
      repo: 'acme/app',
      milestone: 3,
      progress: '2/4 (50%)'
    })
    expect(update && 'description' in update && update.description).toBe(
      upsertProgressBlock(
        'Human text.',
        'docs/plan.md',
        { completed: 2, total: 4, percent: 50 },
        []
      )
    )
  })

  it('chooses the first issue with a milestone and warns about a different one', () => {
    const result = reconcile(
      input({
        snapshot: snapshot([
          issue(10, [], { milestone: undefined }),
          issue(11, [], { milestone: milestone('', 5) }),
          issue(12, [], { milestone: milestone('', 6) })
        ])
      })
    )
    expect(result.milestone?.milestone.number).toBe(5)
    expect(result.findings).toContainEqual({
      level: 'warning',
      message: expect.stringContaining('acme/app#12 (Q6)')
    })
  })

  it('uses github_milestone when the plan names it', () => {
    const named = milestone('Named.', 8)
    const result = reconcile(
      input({
        plan: plan({ milestone: { by: 'number', number: 8 } }),
        snapshot: { ...snapshot([issue(10, [])]), namedMilestone: named }
      })
    )
    expect(result.operations.find((op) => op.op === 'update_milestone')).toMatchObject({
      milestone: 8
    })
  })

  it('warns when github_milestone is not found, and still syncs labels', () => {
    const result = reconcile(
      input({
        plan: plan({ milestone: { by: 'title', title: 'Nope' } }),
        snapshot: { ...snapshot([issue(10, [])]), namedMilestone: null }
      })
    )
    expect(result.operations.some((op) => op.op === 'update_milestone')).toBe(false)
    expect(result.operations.some((op) => op.op === 'add_label')).toBe(true)
    expect(result.findings).toContainEqual({
      level: 'warning',
      message: expect.stringContaining('Milestone "Nope"')
    })
  })

  it('skips the milestone with a notice when there is none', () => {
    const result = reconcile(
      input({ snapshot: snapshot([issue(10, [], { milestone: undefined })]) })
    )
    expect(result.milestone).toBeUndefined()
    expect(result.findings).toContainEqual({
      level: 'notice',
      message: expect.stringContaining('milestone progress is skipped')
    })
  })
})

describe('reconcile: auto-close', () => {
  const closing = (
    kind: EventKind,
    autoClose: boolean,
    extra: Partial<PhaseEvent> = {},
    issues = [issue(10, []), issue(11, [])]
  ) => reconcile(input({ event: event(kind, extra), autoClose, snapshot: snapshot(issues) }))

  it('closes every open issue with one comment each on plan_completed with auto-close', () => {
    const result = closing('plan_completed', true)
    const closeOps = result.operations.filter(
      (op) => op.op === 'comment' || op.op === 'close_issue'
    )
    expect(closeOps.map((op) => `${op.op} ${'issue' in op ? op.issue : ''}`)).toEqual([
      'comment acme/app#10',
      'close_issue acme/app#10',
      'comment acme/app#11',
      'close_issue acme/app#11'
    ])
    expect(result.closing).toEqual(['acme/app#10', 'acme/app#11'])
    // Labels come first, closes last.
    expect(result.operations.at(-1)?.op).toBe('close_issue')
  })

  it('never pings anyone from plan text', () => {
    const result = closing('plan_completed', true)
    const comment = result.operations.find((op) => op.op === 'comment')
    expect(comment && 'body' in comment && comment.body).not.toMatch(/@payments-team/)
  })

  it.each<[string, EventKind, boolean, Partial<PhaseEvent>]>([
    ['auto-close off', 'plan_completed', false, {}],
    ['a phase event', 'phase_completed', true, {}],
    ['not every phase complete', 'plan_completed', true, { completedPhases: 3 }]
  ])('closes nothing with %s', (_name, kind, autoClose, extra) => {
    const result = closing(kind, autoClose, extra)
    expect(
      result.operations.filter((op) => op.op === 'comment' || op.op === 'close_issue')
    ).toEqual([])
    expect(result.closing).toEqual([])
  })

  it('warns when auto-close is on but phases remain', () => {
    const result = closing('plan_completed', true, { completedPhases: 3 })
    expect(result.findings).toContainEqual({
      level: 'warning',
      message: expect.stringContaining('(3/4)')
    })
  })

  it('never closes pull requests or already closed issues, and never comments on them', () => {
    const result = closing('plan_completed', true, {}, [
      issue(10, [], { kind: 'pull_request' }),
      issue(11, [], { state: 'closed' })
    ])
    expect(
      result.operations.filter((op) => op.op === 'comment' || op.op === 'close_issue')
    ).toEqual([])
    expect(result.issues.map((i) => i.note)).toEqual([
      'pull request: labelled, never closed',
      'already closed'
    ])
  })

  it('does not comment twice after a re-run, and closes a locked issue without a comment', () => {
    const result = closing('plan_completed', true, {}, [
      issue(10, [], { hasCompletionComment: true }),
      issue(11, [], { locked: true })
    ])
    expect(result.operations.filter((op) => op.op === 'comment')).toEqual([])
    expect(result.operations.filter((op) => op.op === 'close_issue')).toHaveLength(2)
  })
})

describe('reconcile: idempotence and order', () => {
  it('makes no operation when GitHub already matches the event', () => {
    const first = reconcile(input({}))
    const description = first.operations.find((op) => op.op === 'update_milestone')
    const settled = description && 'description' in description ? description.description : ''
    const after = reconcile(
      input({
        snapshot: snapshot([
          issue(10, ['bug', 'debussy:completed'], { milestone: milestone(settled) }),
          issue(11, ['debussy:completed', 'team:payments'], { milestone: milestone(settled) })
        ])
      })
    )
    expect(after.operations).toEqual([])
  })

  it('skips an event older than the one recorded for the run, with a notice, writing nothing', () => {
    const recorded = upsertProgressBlock(
      '',
      'docs/plan.md',
      { completed: 3, total: 4, percent: 75 },
      [{ runId: 'r1', sequence: 6 }]
    )
    const result = reconcile(
      input({
        event: event('phase_started', { runId: 'r1', sequence: 4 }),
        snapshot: snapshot([issue(10, ['debussy:completed'], { milestone: milestone(recorded) })])
      })
    )
    expect(result.operations).toEqual([])
    expect(result.outOfOrder).toEqual({ runId: 'r1', sequence: 6 })
    expect(result.findings).toContainEqual({
      level: 'notice',
      message: expect.stringContaining('Skipped as out of order')
    })
  })

  it('records the run and sequence of an applied event in the marker', () => {
    const result = reconcile(
      input({ event: event('phase_completed', { runId: 'r1', sequence: 7 }) })
    )
    const update = result.operations.find((op) => op.op === 'update_milestone')
    expect(update && 'description' in update && update.description).toContain('run="r1" seq="7"')
  })

  it('says events apply in arrival order when there is no milestone to record them', () => {
    const result = reconcile(
      input({
        event: event('phase_completed', { runId: 'r1', sequence: 7 }),
        snapshot: snapshot([issue(10, [], { milestone: undefined })])
      })
    )
    expect(result.findings).toContainEqual({
      level: 'notice',
      message: expect.stringContaining('arrival order')
    })
  })
})

describe('reconcile: a run of bare events (no completed_phases), in any order', () => {
  const STATES = ['debussy:in-progress', 'debussy:completed', 'debussy:failed']
  const bare = (e: BareEvent): PhaseEvent =>
    event(e.kind, { phase: e.phase, runId: e.run, sequence: e.sequence })
  const barePlan = plan({
    phases: BARE_PHASES.map((id) => ({ id, title: `Phase ${id}`, done: false }))
  })

  /** Delivers events one by one to an in-memory GitHub: each reconcile reads what the last wrote. */
  function deliver(events: readonly BareEvent[]): { labels: string[][]; progress: string[] } {
    const labels = new Map<number, string[]>([
      [10, ['bug']],
      [11, ['team:payments']]
    ])
    let description = 'Human text.'
    for (const e of events) {
      const observed = [...labels].map(([n, names]) =>
        issue(n, names, { milestone: milestone(description) })
      )
      const result = reconcile(
        input({ event: bare(e), plan: barePlan, snapshot: snapshot(observed) })
      )
      for (const op of result.operations) {
        const n = 'issue' in op ? Number(op.issue.split('#')[1]) : 0
        const names = labels.get(n) ?? []
        if (op.op === 'add_label') labels.set(n, [...names, op.label])
        if (op.op === 'remove_label')
          labels.set(
            n,
            names.filter((l) => l !== op.label)
          )
        if (op.op === 'update_milestone') description = op.description
      }
    }
    return {
      labels: [...labels.values()].map((names) => names.filter((l) => STATES.includes(l))),
      progress: description.match(/📊 \*\*Debussy Progress:\*\* .*/g) ?? []
    }
  }

  it('ends with the labels and progress of the in-order run (400 seeded trials)', () => {
    let trials = 0
    fc.assert(
      fc.property(bareScenarioArb, ({ stream, deliveries }) => {
        trials += 1
        const inOrder = deliver(stream)
        const disordered = deliver(deliveries)
        const why = `delivered ${describeBare(deliveries)}`
        expect({ why, ...disordered }).toEqual({ why, ...inOrder })
        // And the in-order run is right: the newest event's state, the ledger's count.
        const state = expectedStateLabel(stream)
        expect(inOrder.labels).toEqual([[state], [state]])
        expect(inOrder.progress).toEqual([expectedProgressLine(stream)])
      }),
      { numRuns: 400, seed: 20261207 }
    )
    expect(trials).toBeGreaterThanOrEqual(400)
  })
})
