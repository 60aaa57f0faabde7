/**
 * The example workflows route events to jobs with `if:` conditions: a
 * plan_completed must reach the job that a person approves (the protected
 * environment), and the unattended job must be unable to close, whatever the
 * payload, its spelling or the config say. This evaluates each job's `if:` for
 * every event the workflow can receive and resolves the event as the action in
 * that job would, with that job's `with:` inputs.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { EVENT_KINDS } from '../src/domain.js'
import { resolveEvent, type ActionInputs, type RunnerEvent } from '../src/event.js'
import { evaluate, truthy } from '../test-support/workflow-expression.js'

const root = path.resolve(import.meta.dirname, '..')
const examplesDir = path.join(root, 'docs', 'examples')
const PLAN = 'docs/plans/x/MASTER_PLAN.md'

interface Step {
  readonly uses?: string
  readonly with?: Record<string, string>
}
interface Job {
  readonly if?: string
  readonly environment?: string | { name: string }
  readonly steps: readonly Step[]
}
interface Workflow {
  readonly on: {
    readonly repository_dispatch?: { readonly types?: readonly string[] }
    readonly workflow_dispatch?: {
      readonly inputs?: Record<string, { type?: string; options?: string[] }>
    }
  }
  readonly jobs: Record<string, Job>
}

/** One delivery: the runner's event, and what the expression contexts see of it. */
interface Delivery {
  readonly title: string
  readonly runner: RunnerEvent
  readonly context: Record<string, unknown>
}

// Every way of writing an event that the action reads as that event, and some that look close.
function spellings(kind: string): string[] {
  const hyphens = kind.replace(/_/g, '-')
  const title = hyphens.replace(
    /(^|-)([a-z])/g,
    (_m, sep: string, c: string) => sep + c.toUpperCase()
  )
  return [
    kind,
    hyphens,
    ` ${kind}`,
    kind.toUpperCase(),
    `debussy:${kind}`,
    `debussy-${hyphens}`,
    `Debussy-${title}`,
    `debussy/${kind}`,
    kind.replace(/_/g, ' ')
  ]
}

const PAYLOAD_EVENTS: readonly (string | undefined)[] = [
  undefined,
  ...EVENT_KINDS.flatMap(spellings),
  'not-an-event'
]

function repositoryDispatches(types: readonly string[]): Delivery[] {
  const deliveries: Delivery[] = []
  // GitHub runs the workflow only for the listed types; a user may list more, such as these.
  const eventTypes = [...types, 'debussy-sync', 'Debussy:Plan_Completed', 'debussy-plan-completed']
  for (const eventType of new Set(eventTypes)) {
    for (const event of PAYLOAD_EVENTS) {
      for (const autoClose of [undefined, true, false]) {
        const payload: Record<string, unknown> = { plan: PLAN, phase: '1' }
        if (event !== undefined) payload.event = event
        if (autoClose !== undefined) payload.auto_close = autoClose
        const eventFile = { action: eventType, client_payload: payload }
        deliveries.push({
          title: `repository_dispatch ${eventType} ${JSON.stringify(payload)}`,
          runner: { name: 'repository_dispatch', payload: eventFile },
          context: { github: { event_name: 'repository_dispatch', event: eventFile }, inputs: {} }
        })
      }
    }
  }
  return deliveries
}

function workflowDispatches(workflow: Workflow): Delivery[] {
  const declared = workflow.on.workflow_dispatch?.inputs ?? {}
  const event = declared.event
  // A choice input can only hold one of its options (GitHub refuses others); a text input anything.
  const events =
    event?.type === 'choice' ? (event.options ?? []) : [...PAYLOAD_EVENTS.filter((e) => e), '']
  return events.map((value) => {
    const inputs = { plan: PLAN, event: value, phase: '1', dry_run: 'false' }
    const eventFile = { inputs }
    return {
      title: `workflow_dispatch inputs.event ${JSON.stringify(value)}`,
      runner: { name: 'workflow_dispatch', payload: eventFile },
      context: { github: { event_name: 'workflow_dispatch', event: eventFile }, inputs }
    }
  })
}

/** What the action in `job` does with `delivery`: refused, or the event kind and whether it closes. */
function outcome(
  job: Job,
  delivery: Delivery,
  configAutoClose: boolean
): { refused: true } | { refused: false; kind: string; closes: boolean } {
  const step = job.steps.find((s) => s.uses?.startsWith('debussy-issue-sync/debussy-issue-sync'))
  if (step === undefined) throw new Error('a job runs no debussy-issue-sync step')
  const given = step.with ?? {}
  for (const value of Object.values(given)) {
    if (String(value).includes('${{')) throw new Error(`expressions in with: are not evaluated`)
  }
  const inputs: ActionInputs = {
    event: given.event ?? '',
    plan: given.plan ?? '',
    phase: given.phase ?? '',
    autoClose: given['auto-close'] ?? '',
    dryRun: given['dry-run'] ?? ''
  }
  try {
    const { event } = resolveEvent(inputs, delivery.runner)
    const autoClose = event.autoClose ?? configAutoClose
    return {
      refused: false,
      kind: event.kind,
      closes: event.kind === 'plan_completed' && autoClose
    }
  } catch {
    return { refused: true }
  }
}

/** The kind the action reads from the delivery alone (no step inputs), or undefined if refused. */
function kindOf(delivery: Delivery): string | undefined {
  try {
    return resolveEvent(
      { event: '', plan: '', phase: '', autoClose: '', dryRun: '' },
      delivery.runner
    ).event.kind
  } catch {
    return undefined
  }
}

function runningJobs(workflow: Workflow, delivery: Delivery): [string, Job][] {
  return Object.entries(workflow.jobs).filter(
    ([, job]) => job.if === undefined || truthy(evaluate(String(job.if), delivery.context))
  )
}

const examples = readdirSync(examplesDir).filter((f) => /^debussy-.*\.ya?ml$/.test(f))
const load = (file: string): Workflow =>
  parse(readFileSync(path.join(examplesDir, file), 'utf8')) as Workflow

function deliveriesOf(workflow: Workflow): Delivery[] {
  return [
    ...repositoryDispatches(workflow.on.repository_dispatch?.types ?? []),
    ...workflowDispatches(workflow)
  ]
}

describe('example workflows route every event to exactly one job', () => {
  it.each(examples)('%s', (file) => {
    const workflow = load(file)
    for (const delivery of deliveriesOf(workflow)) {
      expect([delivery.title, runningJobs(workflow, delivery).length]).toEqual([delivery.title, 1])
    }
  })
})

describe('example workflows subscribe to every event', () => {
  it.each(examples)('%s lists each event type and each manual event choice', (file) => {
    const workflow = load(file)
    const types = workflow.on.repository_dispatch?.types ?? []
    const inputs = workflow.on.workflow_dispatch?.inputs ?? {}
    for (const kind of EVENT_KINDS) {
      expect(types).toContain(`debussy-${kind.replace(/_/g, '-')}`)
      expect(inputs.event?.options).toContain(kind)
    }
  })
})

describe('the approval example: only the approved job can close', () => {
  const workflow = load('debussy-sync-with-approval.yml')
  const approved = ([, job]: [string, Job]): boolean => job.environment !== undefined
  const deliveries = deliveriesOf(workflow)

  it('has one job bound to a protected environment and one that is not', () => {
    const jobs = Object.entries(workflow.jobs)
    expect(jobs.filter(approved)).toHaveLength(1)
    expect(jobs.filter((j) => !approved(j))).toHaveLength(1)
  })

  it.each([false, true])(
    'with config auto_close %j, a job without approval never closes',
    (configAutoClose) => {
      for (const delivery of deliveries) {
        for (const [name, job] of runningJobs(workflow, delivery)) {
          if (approved([name, job])) continue
          const result = outcome(job, delivery, configAutoClose)
          expect([delivery.title, name, result.refused || !result.closes]).toEqual([
            delivery.title,
            name,
            true
          ])
        }
      }
    }
  )

  it('every plan_completed, in any spelling, dispatched or manual, runs in the approved job', () => {
    const completed = deliveries.filter((d) => kindOf(d) === 'plan_completed')
    expect(completed.length).toBeGreaterThan(50)
    for (const delivery of completed) {
      const jobs = runningJobs(workflow, delivery)
      expect([delivery.title, jobs.map(([name]) => name), jobs.every(approved)]).toEqual([
        delivery.title,
        ['close'],
        true
      ])
    }
  })

  it('the approved job closes a completed plan unless the payload vetoes it', () => {
    const completed = deliveries.filter((d) => kindOf(d) === 'plan_completed')
    for (const delivery of completed) {
      const [[, job] = ['', workflow.jobs.close as Job]] = runningJobs(workflow, delivery)
      const payload = (delivery.runner.payload as { client_payload?: { auto_close?: boolean } })
        .client_payload
      const result = outcome(job, delivery, false)
      expect([delivery.title, result]).toEqual([
        delivery.title,
        { refused: false, kind: 'plan_completed', closes: payload?.auto_close !== false }
      ])
    }
  })

  it('phase events run unattended, without waiting for approval', () => {
    const phases = deliveries.filter((d) => kindOf(d)?.startsWith('phase_'))
    expect(phases.length).toBeGreaterThan(50)
    for (const delivery of phases) {
      const jobs = runningJobs(workflow, delivery)
      expect([delivery.title, jobs.some(approved)]).toEqual([delivery.title, false])
    }
  })
})

describe('the expression evaluator follows GitHub', () => {
  const context = { github: { event: { action: 'Debussy-Plan-Completed' } }, inputs: {} }
  it.each<[string, unknown]>([
    ["github.event.action == 'debussy-plan-completed'", true],
    ["contains(github.event.action, 'PLAN')", true],
    ["contains(inputs.event, 'plan')", false],
    ["!contains(github.event.missing, 'plan')", true],
    ["inputs.event == ''", true],
    ["startsWith(github.event.action, 'debussy') && 'yes' || 'no'", 'yes'],
    ["format('{0}-{1}', 'a', 1) == 'A-1'", true],
    ["contains(fromJSON('[]'), 'x')", 'unsupported']
  ])('%s → %j', (source, expected) => {
    if (expected === 'unsupported') {
      expect(() => evaluate(source, context)).toThrow(/unsupported function/)
    } else {
      expect(evaluate(source, context)).toBe(expected)
    }
  })
})
