import { describe, expect, it } from '@jest/globals'
import { z } from 'zod'
import type { PhaseEvent } from '../src/domain.js'
import { refusal, refusedWith } from '../test-support/refusal.js'
import {
  clientPayloadSchema,
  normaliseEventType,
  resolveEvent,
  workflowDispatchInputsSchema,
  type ActionInputs,
  type RunnerEvent
} from '../src/event.js'

const NO_INPUTS: ActionInputs = { event: '', plan: '', phase: '', autoClose: '', dryRun: '' }
const PLAN = 'docs/plans/payments-retry/MASTER_PLAN.md'

function inputs(given: Partial<ActionInputs> = {}): ActionInputs {
  return { ...NO_INPUTS, ...given }
}

function dispatch(clientPayload: unknown, action: unknown = 'debussy'): RunnerEvent {
  return { name: 'repository_dispatch', payload: { action, client_payload: clientPayload } }
}

function workflow(workflowInputs: unknown): RunnerEvent {
  return { name: 'workflow_dispatch', payload: { inputs: workflowInputs } }
}

const firstKey = (object: object): string => Object.keys(object)[0] ?? ''

function resolved(given: Partial<ActionInputs>, runner: RunnerEvent): PhaseEvent {
  return resolveEvent(inputs(given), runner).event
}

/** The example event (docs: SPEC examples/repository_dispatch.json), as the runner's event file holds it. */
const EXAMPLE_DISPATCH: unknown = JSON.parse(`{
  "action": "debussy-phase-completed",
  "branch": "main",
  "client_payload": {
    "event": "phase_completed",
    "plan": "docs/plans/payments-retry/MASTER_PLAN.md",
    "phase": "2",
    "completed_phases": 2,
    "total_phases": 4,
    "run_id": "3f9c2a7e",
    "sequence": 4
  },
  "repository": {
    "full_name": "acme/payments",
    "name": "payments",
    "owner": { "login": "acme" }
  },
  "sender": { "login": "debussy-bot", "type": "User" }
}`)

describe('normaliseEventType', () => {
  it.each([
    ['phase_started', 'phase_started'],
    ['phase-started', 'phase_started'],
    ['debussy:phase-started', 'phase_started'],
    ['debussy-phase-started', 'phase_started'],
    ['Debussy_Phase_Started', 'phase_started'],
    ['DEBUSSY:PHASE_COMPLETED', 'phase_completed'],
    [' phase-failed ', 'phase_failed'],
    ['debussy/plan-completed', 'plan_completed'],
    ['debussy.plan_completed', 'plan_completed'],
    ['plan completed', 'plan_completed'],
    ['phase_validating', 'phase_validating'],
    ['debussy-phase-awaiting-human', 'phase_awaiting_human'],
    ['Debussy:Phase_Awaiting-Human', 'phase_awaiting_human'],
    ['debussy:phase-blocked', 'phase_blocked']
  ])('reads %j as %s', (value, kind) => {
    expect(normaliseEventType(value)).toBe(kind)
  })

  it.each([
    '',
    'debussy',
    'phase',
    'started',
    'deploy',
    'phase_started_now',
    'debussyphase_started'
  ])('does not guess at %j', (value) => {
    expect(normaliseEventType(value)).toBeUndefined()
  })
})

describe('resolveEvent from a repository_dispatch', () => {
  it('reads the example dispatch event as the orchestrator sends it', () => {
    expect(
      resolveEvent(NO_INPUTS, { name: 'repository_dispatch', payload: EXAMPLE_DISPATCH })
    ).toEqual({
      event: {
        kind: 'phase_completed',
        plan: PLAN,
        planField: 'client_payload.plan',
        phase: '2',
        completedPhases: 2,
        totalPhases: 4,
        autoClose: undefined,
        dryRun: undefined,
        runId: '3f9c2a7e',
        sequence: 4
      },
      findings: []
    })
  })

  it('reads every client_payload field', () => {
    const event = resolved(
      {},
      dispatch({
        event: 'phase_failed',
        plan: PLAN,
        phase: '3.1',
        completed_phases: 0,
        total_phases: 1,
        auto_close: true,
        dry_run: true,
        run_id: 'r'.repeat(100),
        sequence: 0
      })
    )
    expect(event).toEqual({
      kind: 'phase_failed',
      plan: PLAN,
      planField: 'client_payload.plan',
      phase: '3.1',
      completedPhases: 0,
      totalPhases: 1,
      autoClose: true,
      dryRun: true,
      runId: 'r'.repeat(100),
      sequence: 0
    })
  })

  it.each([
    ['phase-started', 'phase_started'],
    ['debussy:phase-completed', 'phase_completed'],
    ['debussy-phase-failed', 'phase_failed'],
    ['Debussy_Plan_Completed', 'plan_completed'],
    ['debussy-phase-validating', 'phase_validating'],
    ['debussy-phase-awaiting-human', 'phase_awaiting_human'],
    ['debussy-phase-blocked', 'phase_blocked']
  ])('takes the event from event_type %j when client_payload has no event', (action, kind) => {
    expect(resolved({}, dispatch({ plan: PLAN, phase: '1' }, action)).kind).toBe(kind)
  })

  it.each([
    ['debussy-phase-completed', 'phase-completed', 'phase_completed'],
    ['Debussy:Plan-Completed', ' plan_completed', 'plan_completed'],
    ['unrelated-type', 'debussy:phase-failed', 'phase_failed'],
    ['debussy-sync', 'Debussy-Plan-Completed', 'plan_completed']
  ])('normalises client_payload.event too (event_type %j, event %j)', (action, event, kind) => {
    expect(resolved({}, dispatch({ plan: PLAN, phase: '1', event }, action)).kind).toBe(kind)
  })

  // An approval gate routes on event_type: a payload naming another event would
  // run in the unguarded job (SPEC §2), so the step fails before any write.
  it.each([
    ['debussy-phase-completed', 'plan-completed', 'plan_completed', 'phase_completed'],
    ['debussy-phase-completed', ' plan_completed', 'plan_completed', 'phase_completed'],
    ['debussy-phase-completed', 'debussy:plan_completed', 'plan_completed', 'phase_completed'],
    ['debussy-phase-started', 'Debussy-Plan-Completed', 'plan_completed', 'phase_started'],
    ['debussy-plan-completed', 'phase_failed', 'phase_failed', 'plan_completed']
  ])(
    'refuses event_type %j with client_payload.event %j, naming both',
    (action, event, payloadKind, typeKind) => {
      const error = refusal(() =>
        resolveEvent(NO_INPUTS, dispatch({ event, plan: PLAN, phase: '1' }, action))
      )
      expect(error.field).toBe('client_payload.event')
      expect(error.message).toContain(payloadKind)
      expect(error.message).toContain(`"${action}"`)
      expect(error.message).toContain(typeKind)
    }
  )

  it('the event input wins over a client_payload.event and event_type that disagree', () => {
    const result = resolveEvent(
      inputs({ event: 'phase_failed' }),
      dispatch({ event: 'plan_completed', plan: PLAN, phase: '1' }, 'debussy-phase-completed')
    )
    expect(result.event.kind).toBe('phase_failed')
  })

  it('warns once about the client_payload keys it does not know, naming each', () => {
    const result = resolveEvent(
      NO_INPUTS,
      dispatch({ event: 'phase_started', plan: PLAN, phase: '1', completedPhases: 2, extra: true })
    )
    expect(result.event.completedPhases).toBeUndefined()
    expect(result.findings).toHaveLength(1)
    expect(result.findings[0]?.level).toBe('warning')
    expect(result.findings[0]?.message).toContain(
      '"completedPhases" (did you mean completed_phases?)'
    )
    expect(result.findings[0]?.message).toContain('"extra"')
  })

  it('suggests the known key for a misspelt one, as the config and the CLI do', () => {
    const result = resolveEvent(
      NO_INPUTS,
      dispatch({ event: 'phase_started', plan: PLAN, phase: '1', sequnce: 4 })
    )
    expect(result.findings[0]?.message).toContain('"sequnce" (did you mean sequence?)')
  })

  it.each([
    [2, '2'],
    [2.5, '2.5'],
    [0, '0'],
    [' 3.1 ', '3.1'],
    ['1a_b-C.d', '1a_b-C.d'],
    ['x'.repeat(32), 'x'.repeat(32)]
  ])('reads phase %j as the id %j', (phase, id) => {
    expect(resolved({}, dispatch({ event: 'phase_started', plan: PLAN, phase })).phase).toBe(id)
  })

  it.each([undefined, 'not a phase id!', ''])('ignores phase %j on plan_completed', (phase) => {
    expect(resolved({}, dispatch({ event: 'plan_completed', plan: PLAN, phase })).phase).toBe(
      undefined
    )
  })

  it('treats an absent or null client_payload as empty, so the inputs can supply everything', () => {
    const given = { event: 'plan_completed', plan: PLAN }
    expect(resolved(given, { name: 'repository_dispatch', payload: { action: 'x' } }).plan).toBe(
      PLAN
    )
    expect(resolved(given, dispatch(null)).kind).toBe('plan_completed')
  })

  it('trims the plan path', () => {
    expect(resolved({}, dispatch({ event: 'plan_completed', plan: ` ${PLAN}\n` })).plan).toBe(PLAN)
  })
})

describe('resolveEvent precedence, field by field', () => {
  const payload = {
    event: 'phase_completed',
    plan: 'payload/plan.md',
    phase: '2',
    completed_phases: 1,
    total_phases: 3
  }

  it.each<[string, Partial<ActionInputs>, RunnerEvent, Partial<PhaseEvent>]>([
    [
      'input event over client_payload.event',
      { event: 'phase_failed' },
      dispatch(payload),
      { kind: 'phase_failed' }
    ],
    [
      'input event over event_type',
      { event: 'phase-failed' },
      dispatch({ ...payload, event: undefined }, 'debussy-phase-started'),
      { kind: 'phase_failed' }
    ],
    [
      'client_payload.event over an event_type that names no event',
      {},
      dispatch(payload, 'debussy-sync'),
      { kind: 'phase_completed' }
    ],
    [
      'input plan over client_payload.plan',
      { plan: 'input/plan.md' },
      dispatch(payload),
      { plan: 'input/plan.md' }
    ],
    ['client_payload.plan without input', {}, dispatch(payload), { plan: 'payload/plan.md' }],
    [
      'input phase over client_payload.phase',
      { phase: '2.5' },
      dispatch(payload),
      { phase: '2.5' }
    ],
    ['client_payload.phase without input', {}, dispatch(payload), { phase: '2' }],
    [
      'input event over workflow_dispatch inputs.event',
      { event: 'phase_started' },
      workflow({ event: 'phase_failed', plan: 'wd.md', phase: '1' }),
      { kind: 'phase_started' }
    ],
    [
      'input plan over workflow_dispatch inputs.plan',
      { plan: 'input.md' },
      workflow({ event: 'phase_failed', plan: 'wd.md', phase: '1' }),
      { plan: 'input.md' }
    ],
    [
      'input phase over workflow_dispatch inputs.phase',
      { phase: '7' },
      workflow({ event: 'phase_failed', plan: 'wd.md', phase: '1' }),
      { phase: '7' }
    ],
    [
      'workflow_dispatch inputs without action inputs',
      {},
      workflow({ event: 'phase_failed', plan: 'wd.md', phase: '1' }),
      { kind: 'phase_failed', plan: 'wd.md', phase: '1' }
    ],
    [
      'the counts and run order from client_payload',
      { event: 'phase_started', plan: 'x.md', phase: '1' },
      dispatch({ ...payload, run_id: 'run', sequence: 9 }),
      { completedPhases: 1, totalPhases: 3, runId: 'run', sequence: 9 }
    ],
    [
      'the counts and run order from workflow_dispatch inputs',
      {},
      workflow({
        event: 'phase_started',
        plan: 'x.md',
        phase: '1',
        completed_phases: '1',
        total_phases: '3',
        run_id: 'run',
        sequence: '9'
      }),
      { completedPhases: 1, totalPhases: 3, runId: 'run', sequence: 9 }
    ],
    [
      'only the inputs on any other event, whatever its payload holds',
      { event: 'phase_started', plan: 'x.md', phase: '1' },
      { name: 'push', payload: { client_payload: { ...payload, dry_run: true } } },
      {
        kind: 'phase_started',
        plan: 'x.md',
        phase: '1',
        completedPhases: undefined,
        totalPhases: undefined,
        dryRun: undefined
      }
    ]
  ])('%s', (_name, given, runner, expected) => {
    expect(resolved(given, runner)).toMatchObject(expected)
  })

  const base = { event: 'plan_completed', plan: PLAN }

  // auto-close: a false is a veto. dry run: a preview is never turned off by another source.
  // Either way, undefined lets the config decide.
  it.each<['autoClose' | 'dryRun', boolean | undefined, string, boolean | undefined]>([
    ['autoClose', true, '', true],
    ['autoClose', false, '', false],
    ['autoClose', undefined, 'true', true],
    ['autoClose', undefined, 'false', false],
    ['autoClose', true, 'false', false],
    ['autoClose', false, 'true', false],
    ['autoClose', true, 'true', true],
    ['autoClose', false, 'false', false],
    ['autoClose', undefined, '', undefined],
    ['dryRun', true, '', true],
    ['dryRun', true, 'false', true],
    ['dryRun', false, 'true', true],
    ['dryRun', undefined, 'true', true],
    ['dryRun', false, 'false', false],
    ['dryRun', false, '', false],
    ['dryRun', undefined, 'false', false],
    ['dryRun', undefined, '', undefined]
  ])('%s: payload %j, input %j → %j', (field, fromPayload, input, expected) => {
    const key = field === 'autoClose' ? 'auto_close' : 'dry_run'
    const event = resolved({ [field]: input }, dispatch({ ...base, [key]: fromPayload }))
    expect(event[field]).toBe(expected)
  })

  it.each<[string, string, boolean | undefined]>([
    ['true', 'false', true],
    ['false', 'true', true],
    ['', 'false', false],
    ['', '', undefined]
  ])('dry run: workflow_dispatch dry_run %j, input %j → %j', (dry_run, input, expected) => {
    expect(resolved({ dryRun: input }, workflow({ ...base, dry_run })).dryRun).toBe(expected)
  })

  it('auto-close: workflow_dispatch auto_close counts as the payload', () => {
    expect(
      resolved({ autoClose: 'true' }, workflow({ ...base, auto_close: 'false' })).autoClose
    ).toBe(false)
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    [' true ', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['', undefined]
  ])(
    'reads the auto-close and dry-run inputs %j as core.getBooleanInput does',
    (value, expected) => {
      const event = resolved({ autoClose: value, dryRun: value }, dispatch(base))
      expect(event.autoClose).toBe(expected)
      expect(event.dryRun).toBe(expected)
    }
  )
})

describe('resolveEvent from a workflow_dispatch', () => {
  const base = { event: 'phase_completed', plan: PLAN, phase: '2' }

  it.each<[Record<string, unknown>, Partial<PhaseEvent>]>([
    [{ completed_phases: '2' }, { completedPhases: 2 }],
    [{ completed_phases: ' 3 ' }, { completedPhases: 3 }],
    [{ completed_phases: '0' }, { completedPhases: 0 }],
    [{ completed_phases: '' }, { completedPhases: undefined }],
    [{ completed_phases: 5 }, { completedPhases: 5 }],
    [{ total_phases: '4' }, { totalPhases: 4 }],
    [{ total_phases: '  ' }, { totalPhases: undefined }],
    [{ sequence: '12' }, { sequence: 12 }],
    [{ auto_close: 'true' }, { autoClose: true }],
    [{ auto_close: 'False' }, { autoClose: false }],
    [{ auto_close: '' }, { autoClose: undefined }],
    [{ auto_close: true }, { autoClose: true }],
    [{ dry_run: 'TRUE' }, { dryRun: true }],
    [{ dry_run: false }, { dryRun: false }],
    [{ run_id: ' run-7 ' }, { runId: 'run-7' }],
    [{ run_id: '' }, { runId: undefined }],
    [{ phase: 3 }, { phase: '3' }],
    [{ phase: ' 2.5 ' }, { phase: '2.5' }],
    [{ event: 'Phase-Failed' }, { kind: 'phase_failed' }],
    [
      { event: 'plan_completed', phase: '' },
      { kind: 'plan_completed', phase: undefined }
    ]
  ])('coerces the form strings %j', (given, expected) => {
    expect(resolved({}, workflow({ ...base, ...given }))).toMatchObject(expected)
  })

  it('ignores the inputs it does not know, without a warning', () => {
    const result = resolveEvent(
      NO_INPUTS,
      workflow({ ...base, environment: 'prod', debug: 'true' })
    )
    expect(result.findings).toEqual([])
    expect(result.event.kind).toBe('phase_completed')
  })

  it('treats null inputs (a workflow that declares none) as empty', () => {
    expect(
      resolved(
        { event: 'plan_completed', plan: PLAN },
        { name: 'workflow_dispatch', payload: { inputs: null } }
      ).plan
    ).toBe(PLAN)
  })
})

describe('resolveEvent refusals', () => {
  const valid = { event: 'phase_started', plan: PLAN, phase: '1' }
  const EVENTS =
    'phase_started, phase_completed, phase_failed, plan_completed, phase_validating, phase_awaiting_human, phase_blocked'

  /**
   * [what, inputs, runner, field, problem, fix]: what the action is given and
   * its refusal (the field it names, words of its problem and of its fix).
   */
  type Refusal = [string, Partial<ActionInputs>, RunnerEvent, string, string, string]
  /** Rows whose event is valid but for `change`, one key the refusal names. */
  const oneBadKey =
    (send: (payload: object) => RunnerEvent, prefix: string) =>
    (what: string, change: Record<string, unknown>, problem: string, fix: string): Refusal => {
      const field = `${prefix}.${firstKey(change)}`
      return [what, {}, send({ ...valid, ...change }), field, problem, fix]
    }
  const payload = oneBadKey(dispatch, 'client_payload')
  const form = oneBadKey(workflow, 'workflow_dispatch inputs')
  /** A valid dispatch and one bad action input, named as action.yml spells it (dryRun: dry-run). */
  function input(what: string, bad: Partial<ActionInputs>, problem: string, fix: string): Refusal {
    const name = firstKey(bad).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
    return [what, bad, dispatch(valid), `input ${name}`, problem, fix]
  }

  // prettier-ignore
  it.each<Refusal>([
    input('an unknown input event', { event: 'deploy' }, '"deploy" is not a Debussy event', EVENTS),
    payload('an unknown client_payload.event', { event: 'started' }, '"started"', EVENTS),
    ['an unknown event_type', {}, dispatch({ plan: PLAN, phase: '1' }, 'deploy-now'), 'repository_dispatch event_type (action)', '"deploy-now" is not a Debussy event', EVENTS],
    form('an unknown workflow_dispatch inputs.event', { event: 'go' }, '"go"', EVENTS),
    ['a dispatch without event or event_type', {}, { name: 'repository_dispatch', payload: { client_payload: { plan: PLAN, phase: '1' } } }, 'client_payload.event', 'missing, and the dispatch has no event_type', "or set the action's event input"],
    ['a workflow_dispatch without event', {}, workflow({ plan: PLAN, phase: '1' }), 'workflow_dispatch inputs.event', 'missing', "or set the action's event input"],
    ['a run without GITHUB_EVENT_NAME and without the event input', { plan: PLAN }, { name: '', payload: {} }, 'input event', 'GITHUB_EVENT_NAME is not set', "Set the action's event input to one of"],
    ['a dispatch with a blank event_type and no event', {}, dispatch({ plan: PLAN, phase: '1' }, ' '), 'client_payload.event', 'missing, and the dispatch has no event_type', "or set the action's event input"],
    ['a dispatch whose event_type is not text, and no event', {}, dispatch({ plan: PLAN, phase: '1' }, 42), 'client_payload.event', 'missing', 'there'],
    ['a push without the event input', { plan: PLAN, phase: '1' }, { name: 'push', payload: {} }, 'input event', 'a push event carries no Debussy payload', "Set the action's event input to one of"],
    ['a schedule without the plan input', { event: 'plan_completed' }, { name: 'schedule', payload: {} }, 'input plan', 'a schedule event carries no Debussy payload', "Set the action's plan input"],
    ['a dispatch without plan', {}, dispatch({ event: 'plan_completed' }), 'client_payload.plan', 'missing', "or set the action's plan input"],
    ['a dispatch without plan, with a misspelt key', {}, dispatch({ event: 'plan_completed', plan_path: PLAN }), 'client_payload.plan', 'keys the action does not know: "plan_path"', 'relative to the repository root'],
    payload('an empty plan', { plan: ' ' }, 'is empty', 'relative to the repository root'),
    payload('a plan with control characters', { plan: 'docs/a\nb.md' }, 'contains control characters', 'relative to the repository root'),
    payload('a plan that is an object', { plan: { path: PLAN } }, 'got an object, expected a path', 'Send "plan": "'),
    payload('a plan that is not a string', { plan: 5 }, 'got 5, expected a path', 'Send "plan": "'),
    ['a phase event without phase', {}, dispatch({ event: 'phase_completed', plan: PLAN }), 'client_payload.phase', 'missing: a phase_completed event needs the phase id', "or set the action's phase input"],
    ['a phase event without phase from the inputs', { event: 'phase_failed', plan: PLAN }, { name: 'push', payload: {} }, 'input phase', 'missing', "Set the action's phase input"],
    form('a workflow_dispatch phase event without phase', { phase: '' }, 'missing', "or set the action's phase input"),
    payload('a phase id with a space', { phase: 'phase 1' }, 'got "phase 1"', 'such as "1" or "3.1"'),
    payload('an empty phase id', { phase: ' ' }, 'got " "', 'such as "1" or "3.1"'),
    payload('a phase id of 33 characters', { phase: '1'.repeat(33) }, '1 to 32', 'such as "1" or "3.1"'),
    payload('a phase that is a boolean', { phase: true }, 'got true', 'Send "phase": "3.1"'),
    input('an invalid input phase', { phase: '1/2' }, 'got "1/2"', 'such as "1" or "3.1"'),
    payload('completed_phases in words', { completed_phases: 'two' }, 'got "two", expected an integer ≥ 0', 'Send "completed_phases": 2'),
    payload('completed_phases in quotes', { completed_phases: '2' }, 'got "2", expected an integer ≥ 0', 'without quotes: "completed_phases": 2'),
    payload('negative completed_phases', { completed_phases: -1 }, 'got -1', 'Send "completed_phases": 2'),
    payload('fractional completed_phases', { completed_phases: 1.5 }, 'got 1.5', 'leave the key out'),
    payload('zero total_phases', { total_phases: 0 }, 'got 0, expected an integer ≥ 1', 'Send "total_phases": 4'),
    payload('negative sequence', { sequence: -1 }, 'got -1, expected an integer ≥ 0', 'Send "sequence": 4'),
    payload('auto_close as a word', { auto_close: 'yes' }, 'got "yes", expected true or false', 'Send "auto_close": true'),
    payload('dry_run in quotes', { dry_run: 'true' }, 'got "true"', 'without quotes: "dry_run": true'),
    payload('an empty run_id', { run_id: '' }, 'got "", expected a string of 1 to 100', 'Send "run_id": "3f9c2a7e"'),
    payload('a run_id over 100 characters', { run_id: 'r'.repeat(101) }, '1 to 100', 'leave the key out'),
    payload('a run_id with control characters', { run_id: 'a\u001bb' }, 'got "a\\u001bb"', 'leave the key out'),
    payload('several bad keys at once', { completed_phases: 'x', total_phases: 'y', dry_run: 1 }, 'got "x"', 'Also check client_payload.total_phases, client_payload.dry_run'),
    ['a client_payload that is a list', {}, dispatch([valid]), 'client_payload', 'is a list, not an object', 'Send client_payload as a JSON object'],
    ['a client_payload that is a string', {}, dispatch('phase_started'), 'client_payload', 'is "phase_started", not an object', 'JSON object'],
    ['an event file that is not an object', {}, { name: 'repository_dispatch', payload: null }, 'event payload (GITHUB_EVENT_PATH)', 'is null, not a JSON object', 'Run the action from a workflow'],
    ['a workflow_dispatch event file that is a list', {}, { name: 'workflow_dispatch', payload: [] }, 'event payload (GITHUB_EVENT_PATH)', 'is a list', 'Run the action from a workflow'],
    ['workflow_dispatch inputs that are not an object', {}, workflow('x'), 'workflow_dispatch inputs', 'not an object', 'JSON object'],
    form('workflow_dispatch completed_phases in words', { completed_phases: 'two' }, 'got "two", expected an integer ≥ 0', 'Enter 2 as the workflow_dispatch input completed_phases, or leave it empty'),
    form('workflow_dispatch completed_phases of 2.5', { completed_phases: '2.5' }, 'got "2.5"', 'Enter 2'),
    form('workflow_dispatch total_phases of 0', { total_phases: '0' }, 'got "0", expected an integer ≥ 1', 'Enter 4'),
    form('workflow_dispatch negative sequence', { sequence: '-1' }, 'got "-1"', 'Enter 4'),
    form('workflow_dispatch dry_run of yes', { dry_run: 'yes' }, 'got "yes", expected true or false', 'Enter true'),
    form('a workflow_dispatch plan that is not text', { plan: 7 }, 'got 7', 'Enter docs/plans/'),
    form('an unsafe integer', { sequence: '99999999999999999999' }, 'got "99999999999999999999"', 'Enter 4'),
    input('an auto-close input of yes', { autoClose: 'yes' }, 'got "yes", expected true or false', 'Set auto-close to true or false, or leave it empty'),
    input('a dry-run input of 1', { dryRun: '1' }, 'got "1"', 'Set dry-run to true or false')
  ])('refuses %s', (_what, given, runner, field, problem, fix) => {
    const error = refusedWith(() => resolveEvent(inputs(given), runner), field, problem, fix)
    expect(error.message).toBe(`${field}: ${error.problem}. ${error.fix}`)
  })
})

describe('the payload schemas', () => {
  it.each([
    ['client_payload', clientPayloadSchema, 'output'],
    ['workflow_dispatch inputs', workflowDispatchInputsSchema, 'input']
  ] as const)('%s can be published as a JSON Schema, every key described', (_name, schema, io) => {
    const json = z.toJSONSchema(schema, { io }) as {
      properties: Record<string, { description?: string }>
      required?: string[]
    }
    // Every key the payload declares, and no more than GitHub's 10 top-level keys of a client_payload.
    expect(Object.keys(json.properties)).toEqual(Object.keys(clientPayloadSchema.shape))
    expect(Object.keys(json.properties).length).toBeLessThanOrEqual(10)
    expect(Object.keys(json.properties)).toEqual(expect.arrayContaining(['event', 'plan', 'phase']))
    for (const property of Object.values(json.properties)) {
      expect(property.description).toMatch(/\w/)
    }
    expect(json.required ?? []).toEqual(io === 'output' ? ['plan'] : [])
  })
})
