/**
 * The committed JSON Schemas match the zod schemas the action validates with,
 * and they accept and refuse what the action accepts and refuses.
 */
import { describe, expect, it } from '@jest/globals'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { parseConfig } from '../src/config.js'
import { InputError } from '../src/errors.js'
import { EVENT_NAME_PATTERN, normaliseEventType, resolveEvent } from '../src/event.js'
import { GUIDE, SCHEMA_DIR, buildSchemas, withFieldTables } from '../scripts/schemas.js'
import { BASE_PAYLOAD, CORPUS } from '../test-support/reliability-corpus.js'

const committed = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(SCHEMA_DIR, name), 'utf8')) as unknown

const generated = buildSchemas()
const ajv = new Ajv2020({ strict: false, allErrors: true })
const validPayload = ajv.compile(committed('client-payload.schema.json') as object)
const validConfig = ajv.compile(committed('config.schema.json') as object)

describe('committed schemas', () => {
  it.each(Object.keys(generated))('%s matches the code (else run `npm run schemas`)', (name) => {
    expect(committed(name)).toEqual(generated[name as keyof typeof generated])
  })

  it('the field tables of docs/GITHUB_SYNC.md match the code (else run `npm run schemas`)', () => {
    const guide = readFileSync(GUIDE, 'utf8')
    expect(guide).toContain('<!-- fields:client-payload -->')
    expect(guide).toContain('<!-- fields:config -->')
    expect(withFieldTables(guide)).toBe(guide)
  })
})

/** What the action itself says of a client_payload: accepted, or an InputError. */
function actionAccepts(payload: unknown): boolean {
  try {
    resolveEvent(
      { event: '', plan: '', phase: '', autoClose: '', dryRun: '' },
      { name: 'repository_dispatch', payload: { client_payload: payload } }
    )
    return true
  } catch (error) {
    if (error instanceof InputError) return false
    throw error
  }
}

const base = { event: 'phase_completed', plan: 'docs/plan.md', phase: '2' }

describe('client-payload.schema.json', () => {
  it.each<[string, Record<string, unknown>]>([
    [
      'the example dispatch',
      { ...base, completed_phases: 2, total_phases: 4, run_id: '3f9c2a7e', sequence: 4 }
    ],
    ['a numeric phase', { ...base, phase: 2.5 }],
    ['plan_completed without a phase', { event: 'plan_completed', plan: 'p.md', auto_close: true }],
    ['a normalised event name', { ...base, event: 'debussy:phase-completed' }]
  ])('accepts %s, as the action does', (_name, payload) => {
    expect(validPayload(payload)).toBe(true)
    expect(actionAccepts(payload)).toBe(true)
  })

  it.each<[string, Record<string, unknown>]>([
    ['no plan', { event: 'phase_started', phase: '1' }],
    ['an unknown event', { ...base, event: 'phase_exploded' }],
    ['completed_phases as text', { ...base, completed_phases: 'two' }],
    ['negative completed_phases', { ...base, completed_phases: -1 }],
    ['fractional total_phases', { ...base, total_phases: 2.5 }],
    ['zero total_phases', { ...base, total_phases: 0 }],
    ['auto_close as a string', { ...base, auto_close: 'true' }],
    ['dry_run as a number', { ...base, dry_run: 1 }],
    ['an empty run_id', { ...base, run_id: '' }],
    ['a run_id with a newline', { ...base, run_id: 'a\nb' }],
    ['a negative sequence', { ...base, sequence: -3 }],
    ['a plan that is a list', { ...base, plan: ['a.md'] }],
    ['a phase that is an object', { ...base, phase: { id: 2 } }]
  ])('refuses %s, as the action does', (_name, payload) => {
    expect(validPayload(payload)).toBe(false)
    expect(actionAccepts(payload)).toBe(false)
  })

  it.each([
    'phase_started',
    'phase-started',
    'Phase Completed',
    'debussy:phase-failed',
    'debussy-plan-completed',
    'DEBUSSY_PLAN_COMPLETED',
    'debussy/phase_started',
    'phase__started',
    'phasestarted',
    'plan-started',
    'debussy',
    'xdebussy:phase-started',
    ' phase_started '
  ])('its event pattern agrees with the action on %j', (name) => {
    expect(new RegExp(EVENT_NAME_PATTERN).test(name)).toBe(normaliseEventType(name) !== undefined)
  })
})

describe('config.schema.json', () => {
  const accepts = (yaml: string): boolean => {
    try {
      parseConfig(yaml, 'config.yaml')
      return true
    } catch (error) {
      if (error instanceof InputError) return false
      throw error
    }
  }

  it.each([
    [
      'the example config',
      readFileSync(path.join(import.meta.dirname, '..', 'docs', 'examples', 'config.yaml'), 'utf8')
    ],
    ['an empty file', ''],
    ['other Debussy keys only', 'timeout: 1800\nmodel: sonnet\n'],
    ['a colour with #', 'github:\n  labels:\n    color_failed: "#D93F0B"\n']
  ])('accepts %s, as the action does', (_name, yaml) => {
    expect(validConfig(parse(yaml) ?? {})).toBe(true)
    expect(accepts(yaml)).toBe(true)
  })

  it.each([
    ['enabled as text', 'github:\n  enabled: "yes please"\n'],
    ['a colour name', 'github:\n  labels:\n    color_failed: red\n'],
    ['an empty label name', 'github:\n  labels:\n    completed: ""\n'],
    ['labels as a list', 'github:\n  labels: [a, b]\n'],
    ['auto_close as a number', 'github:\n  auto_close: 2\n']
  ])('refuses %s, as the action does', (_name, yaml) => {
    expect(validConfig(parse(yaml))).toBe(false)
    expect(accepts(yaml)).toBe(false)
  })
})

describe('client-payload.schema.json and the bad-input corpus', () => {
  // Every client_payload of the reliability corpus that the action's event
  // resolution refuses is refused by the schema too, so that an orchestrator
  // validating before it sends catches the same mistakes. (Refusals that need
  // the checkout, such as a plan path leaving it, are the action's alone.)
  const payloads = CORPUS.filter(
    (c) => c.area === 'client_payload' && c.eventType === undefined && c.eventName === undefined
  ).map((c): [string, unknown] => {
    if (c.rawPayload !== undefined) return [c.id, c.rawPayload]
    const base: Record<string, unknown> = { ...BASE_PAYLOAD, ...c.payload }
    for (const key of c.omit ?? []) delete base[key]
    return [c.id, base]
  })

  it('covers the corpus', () => {
    expect(payloads.length).toBeGreaterThanOrEqual(40)
  })

  it.each(payloads)('%s: refused by the schema when refused by the action', (_id, payload) => {
    if (!actionAccepts(payload)) expect(validPayload(payload)).toBe(false)
  })
})
