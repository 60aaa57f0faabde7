/**
 * End to end, how events arrive (SPEC §2, §6): redelivery is idempotent, an
 * out-of-order event is skipped, a dry run previews exactly the writes a real
 * run makes, workflow_dispatch inputs arrive as strings, and the event is
 * taken from the dispatch's event_type when client_payload has none.
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { PLAN_PATH, REPO } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator
e2e.useSimulator((started) => (sim = started))

describe('SPEC §6: idempotent and ordered', () => {
  it('a redelivered event makes exactly one request and no write', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true })
    const payload = {
      event: 'phase_completed',
      plan: PLAN_PATH,
      phase: '2',
      run_id: 'run-7f3a',
      sequence: 3
    }
    const first = await e2e.fire(sim, workspace, payload)
    e2e.expectExit(first, 0)
    expect(e2e.writesOf(sim).length).toBeGreaterThan(0)
    const state = sample.issueNumbers.map((n) => sim.issue(REPO, n).labels)
    const description = sim.milestone(REPO, sample.milestone ?? 0).description
    sim.resetLog()

    const again = await e2e.fire(sim, workspace, payload)

    e2e.expectExit(again, 0)
    expect(sim.requests).toHaveLength(1)
    expect(e2e.writesOf(sim)).toEqual([])
    expect(again.outputs.operations).toBe('[]')
    expect(sample.issueNumbers.map((n) => sim.issue(REPO, n).labels)).toEqual(state)
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toBe(description)
  })

  it('an event older than one applied for the same plan and run is skipped with a notice; a new run_id starts its own numbering', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true })
    const applied = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('phase_completed', { phase: '2', run_id: 'run-1', sequence: 5 })
    )
    e2e.expectExit(applied, 0)
    sim.resetLog()

    // The late phase_started of the same phase must not undo its phase_completed.
    const late = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('phase_started', { phase: '2', run_id: 'run-1', sequence: 4 })
    )

    e2e.expectExit(late, 0)
    expect(e2e.writesOf(sim)).toEqual([])
    expect(late.stdout).toMatch(/skipped as out of order/i)
    for (const n of sample.issueNumbers) {
      expect(e2e.stateLabels(sim.issue(REPO, n).labels)).toEqual(['debussy:completed'])
    }
    expect(late.outputs.operations).toBe('[]')

    // A new run numbers its events afresh: its sequence 1 applies.
    const next = await e2e.fire(
      sim,
      workspace,
      e2e.planEvent('phase_started', { phase: '1', run_id: 'run-2', sequence: 1 })
    )

    e2e.expectExit(next, 0)
    expect(next.stdout).not.toMatch(/out of order/i)
    for (const n of sample.issueNumbers) {
      expect(e2e.stateLabels(sim.issue(REPO, n).labels)).toEqual(['debussy:in-progress'])
    }
  })
})

describe('SPEC §6: dry run', () => {
  it('reads only, logs [dry-run] lines naming owner/repo#N, and lists in operations exactly the writes the real run then makes', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim)
    const [a] = sample.issueNumbers as [number]
    const payload = { event: 'phase_completed', plan: PLAN_PATH, phase: '2' }

    const preview = await e2e.fire(sim, workspace, payload, { inputs: { 'dry-run': 'true' } })

    e2e.expectExit(preview, 0)
    expect(e2e.writesOf(sim)).toEqual([])
    expect(sim.label(REPO, 'debussy:completed')).toBeUndefined()
    expect(preview.outputs['dry-run']).toBe('true')
    const dryLines = preview.stdout.split('\n').filter((line) => line.startsWith('[dry-run]'))
    expect(dryLines.some((line) => line.includes(e2e.ref(a)))).toBe(true)
    // A dry run may mark its entries with dry_run: true; otherwise they are the real run's.
    const previewed = e2e
      .operationsOf(preview)
      .map((op) => Object.fromEntries(Object.entries(op).filter(([key]) => key !== 'dry_run')))
    expect(previewed.length).toBeGreaterThan(0)

    const real = await e2e.fire(sim, workspace, payload)

    e2e.expectExit(real, 0)
    expect(real.outputs['dry-run']).toBe('false')
    const made = e2e.operationsOf(real)
    expect(e2e.canonical(made)).toEqual(e2e.canonical(previewed))
    // And the operations are what GitHub now shows.
    for (const op of made) {
      if (op.op === 'create_label') {
        const label = sim.label(String(op.repo), String(op.label))
        expect(label?.color.toUpperCase()).toBe(String(op.color).toUpperCase())
      } else if (op.op === 'add_label') {
        const [repo = '', number = ''] = String(op.issue).split('#')
        expect(sim.issue(repo, Number(number)).labels).toContain(op.label)
      } else if (op.op === 'update_milestone') {
        expect(sim.milestone(String(op.repo), Number(op.milestone)).description).toBe(
          op.description
        )
      }
    }
    expect(made.filter((op) => op.op === 'add_label')).toHaveLength(sample.issueNumbers.length)
  })

  it('a payload dry_run: false does not turn a dry run asked for by the input into a real run', async () => {
    const { workspace } = e2e.seedWorkspace(sim, { stateLabels: true })

    const result = await e2e.fire(
      sim,
      workspace,
      { event: 'phase_started', plan: PLAN_PATH, phase: '1', dry_run: false },
      { inputs: { 'dry-run': 'true' } }
    )

    e2e.expectExit(result, 0)
    expect(e2e.writesOf(sim)).toEqual([])
    expect(result.outputs['dry-run']).toBe('true')
  })
})

describe('SPEC §2: where the event comes from', () => {
  it('workflow_dispatch inputs arrive as strings: "2", "4", "false" are read as the integers and booleans they spell', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim)

    const result = await e2e.fire(
      sim,
      workspace,
      {
        event: 'phase_completed',
        plan: PLAN_PATH,
        phase: '2',
        completed_phases: '2',
        total_phases: '4',
        auto_close: 'false',
        dry_run: 'false',
        run_id: '',
        sequence: '',
        environment: 'production'
      },
      { eventName: 'workflow_dispatch' }
    )

    e2e.expectExit(result, 0)
    expect(result.outputs.progress).toBe('2/4')
    expect(result.outputs['dry-run']).toBe('false')
    for (const n of sample.issueNumbers) {
      expect(sim.issue(REPO, n).labels).toContain('debussy:completed')
    }
    expect(sim.milestone(REPO, sample.milestone ?? 0).description).toContain(
      '📊 **Debussy Progress:** 50% (2/4 phases)'
    )
    // Inputs the workflow declares for itself are ignored silently.
    expect(e2e.annotations(result.stdout, 'warning')).toEqual([])
  })

  it('workflow_dispatch dry_run "true" previews', async () => {
    const { workspace } = e2e.seedWorkspace(sim)

    const result = await e2e.fire(
      sim,
      workspace,
      { event: 'phase_started', plan: PLAN_PATH, phase: '1', dry_run: 'true' },
      { eventName: 'workflow_dispatch' }
    )

    e2e.expectExit(result, 0)
    expect(result.outputs['dry-run']).toBe('true')
    expect(e2e.writesOf(sim)).toEqual([])
  })

  it('the event is taken from the dispatch event_type when client_payload has no event: debussy:phase-started', async () => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim, { stateLabels: true, milestone: false })

    const result = await e2e.fire(
      sim,
      workspace,
      { plan: PLAN_PATH, phase: '1' },
      { eventType: 'debussy:phase-started' }
    )

    e2e.expectExit(result, 0)
    expect(result.outputs.state).toBe('in-progress')
    for (const n of sample.issueNumbers) {
      expect(e2e.stateLabels(sim.issue(REPO, n).labels)).toEqual(['debussy:in-progress'])
    }
  })

  it.each([
    ['phase-completed', 'completed'],
    ['debussy-phase-failed', 'failed'],
    ['debussy:plan-completed', 'completed']
  ])('event_type %s is normalised (state %s)', async (eventType, state) => {
    const { workspace, ...sample } = e2e.seedWorkspace(sim)

    const result = await e2e.fire(
      sim,
      workspace,
      { plan: PLAN_PATH, phase: '2' },
      { eventType, inputs: { 'dry-run': 'true' } }
    )

    e2e.expectExit(result, 0)
    expect(result.outputs.state).toBe(state)
    expect(e2e.writesOf(sim)).toEqual([])
    const expectedLabel = `debussy:${state}`
    expect(
      e2e.operationsOf(result).filter((op) => op.op === 'add_label' && op.label === expectedLabel)
    ).toHaveLength(sample.issueNumbers.length)
  })
})
