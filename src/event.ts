import { z } from 'zod'
import { EVENT_KINDS, type EventKind, type Finding, type PhaseEvent } from './domain.js'
import { InputError, describeValue, isPlainObject, printable } from './errors.js'

/** The action's inputs as `core.getInput` returns them: `''` means not set. */
export interface ActionInputs {
  readonly event: string
  readonly plan: string
  readonly phase: string
  readonly autoClose: string
  readonly dryRun: string
}

/** `GITHUB_EVENT_NAME` and the parsed JSON of `GITHUB_EVENT_PATH`. */
export interface RunnerEvent {
  readonly name: string
  readonly payload: unknown
}

const ACCEPTED_EVENTS = `${EVENT_KINDS.join(', ')} (phase-started and debussy:phase-started are accepted too)`
const PHASE_ID = /^[A-Za-z0-9._-]{1,32}$/
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/
const PLAN_EXAMPLE = 'docs/plans/my-feature/MASTER_PLAN.md'
const EVENT_DESCRIPTION = `What happened: ${ACCEPTED_EVENTS}. When absent, a dispatch's event_type is used.`

/**
 * Maps the spellings an orchestrator or a workflow author may use for an event
 * (`phase-started`, `debussy:phase-started`, `Debussy_Phase_Started`) to its kind.
 */
export function normaliseEventType(value: string): EventKind | undefined {
  const name = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
    .replace(/^debussy[:_./]+/, '')
  return EVENT_KINDS.find((kind) => kind === name)
}

const runIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(NO_CONTROL_CHARACTERS)
  .describe("The orchestrator's run id; with sequence, orders the events of one run.")

/** `client_payload` of a `repository_dispatch`, version 1: JSON types, checked strictly. */
export const clientPayloadSchema = z
  .object({
    event: z.string().optional().describe(EVENT_DESCRIPTION),
    plan: z.string().describe('Path of the master plan markdown, relative to the repository root.'),
    phase: z
      .union([z.string(), z.number()])
      .optional()
      .describe(
        'Phase id as in the plan\'s "## Phases" table ("1", "3.1"): at most 32 letters, digits, ".", "_" or "-". Required for phase_* events.'
      ),
    completed_phases: z
      .int()
      .min(0)
      .optional()
      .describe('Phases completed so far, as the orchestrator counts them.'),
    total_phases: z
      .int()
      .min(1)
      .optional()
      .describe("Number of phases of the plan; else counted from the plan's Phases table."),
    auto_close: z
      .boolean()
      .optional()
      .describe(
        "Close the linked issues when the plan completes with every phase done (the orchestrator's --auto-close)."
      ),
    dry_run: z
      .boolean()
      .optional()
      .describe('Preview only: read, and list the writes that would be made.'),
    run_id: runIdSchema.optional(),
    sequence: z
      .int()
      .min(0)
      .optional()
      .describe('Order of this event within run_id; an older event than one applied is skipped.')
  })
  .describe('client_payload of a Debussy repository_dispatch, version 1.')

type PayloadKey = keyof typeof clientPayloadSchema.shape
const PAYLOAD_KEYS = Object.keys(clientPayloadSchema.shape) as PayloadKey[]

// workflow_dispatch inputs are form fields: text, where empty means "not given".
const dispatchText = z
  .string()
  .transform((value) => (value.trim() === '' ? undefined : value.trim()))

function dispatchInteger(min: number) {
  return z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\s*\d*\s*$/)
        .transform((value) => (value.trim() === '' ? undefined : Number(value)))
    ])
    .pipe(z.int().min(min).optional())
    .optional()
}

const dispatchBoolean = z
  .union([
    z.boolean(),
    z
      .string()
      .regex(/^\s*(true|True|TRUE|false|False|FALSE)?\s*$/)
      .transform((value) =>
        value.trim() === '' ? undefined : value.trim().toLowerCase() === 'true'
      )
  ])
  .optional()

/**
 * `inputs` of a `workflow_dispatch`: the `client_payload` fields as the strings
 * a form sends (`"2"`, `"true"`, `""` for not given). Inputs the action does not
 * know are dropped: workflows declare their own.
 */
export const workflowDispatchInputsSchema = z
  .object({
    event: dispatchText.optional().describe(EVENT_DESCRIPTION),
    plan: dispatchText
      .optional()
      .describe('Path of the master plan, relative to the repository root.'),
    phase: z
      .union([dispatchText, z.number()])
      .optional()
      .describe('Phase id ("1", "3.1"); required for phase_* events.'),
    completed_phases: dispatchInteger(0).describe('Phases completed so far: a whole number ≥ 0.'),
    total_phases: dispatchInteger(1).describe('Number of phases of the plan: a whole number ≥ 1.'),
    auto_close: dispatchBoolean.describe(
      '"true" closes the linked issues when the plan completes with every phase done.'
    ),
    dry_run: dispatchBoolean.describe('"true" previews: reads only.'),
    run_id: dispatchText
      .pipe(runIdSchema.optional())
      .optional()
      .describe("The orchestrator's run id."),
    sequence: dispatchInteger(0).describe('Order of this event within run_id: a whole number ≥ 0.')
  })
  .describe('inputs of a workflow_dispatch that runs the action.')

/** What a dispatch carried, whichever kind it was, with where each field came from. */
interface DispatchFields {
  /** How messages name a key of this source: `client_payload.plan`, `workflow_dispatch inputs.plan`. */
  readonly name: (key: PayloadKey) => string
  /** Appended to "missing" messages, so that a misspelt key is spotted. */
  readonly unknownKeysHint: string
  readonly event: string | undefined
  /** The dispatch's `event_type`, which the event file carries as `action`. */
  readonly eventType: string | undefined
  readonly plan: string | undefined
  readonly phase: string | number | undefined
  readonly completedPhases: number | undefined
  readonly totalPhases: number | undefined
  readonly autoClose: boolean | undefined
  readonly dryRun: boolean | undefined
  readonly runId: string | undefined
  readonly sequence: number | undefined
}

/**
 * The event to sync, first match wins field by field: the action's inputs, then
 * `client_payload` of a `repository_dispatch`, then `inputs` of a
 * `workflow_dispatch`. Throws {@link InputError} naming the field and the fix.
 */
export function resolveEvent(
  inputs: ActionInputs,
  runner: RunnerEvent
): { event: PhaseEvent; findings: Finding[] } {
  const findings: Finding[] = []
  const autoCloseInput = booleanInput(inputs.autoClose, 'auto-close')
  const dryRunInput = booleanInput(inputs.dryRun, 'dry-run')
  const dispatch =
    runner.name === 'repository_dispatch'
      ? readRepositoryDispatch(runner.payload, findings)
      : runner.name === 'workflow_dispatch'
        ? readWorkflowDispatch(runner.payload)
        : undefined

  const kind = resolveKind(inputs.event, dispatch, runner.name)
  const { plan, planField } = resolvePlan(inputs.plan, dispatch, runner.name)
  const phase = kind === 'plan_completed' ? undefined : resolvePhase(inputs.phase, dispatch, kind)

  const event: PhaseEvent = {
    kind,
    plan,
    planField,
    phase,
    completedPhases: dispatch?.completedPhases,
    totalPhases: dispatch?.totalPhases,
    autoClose: autoCloseOf(dispatch?.autoClose, autoCloseInput),
    dryRun: anyTrue([dispatch?.dryRun, dryRunInput]),
    runId: dispatch?.runId,
    sequence: dispatch?.sequence
  }
  return { event, findings }
}

/**
 * A `false` from the payload or the input is a veto (a job can be made unable to
 * close, the orchestrator can decline at run time); else a `true` from either
 * turns it on; undefined lets the config decide.
 */
function autoCloseOf(
  payload: boolean | undefined,
  input: boolean | undefined
): boolean | undefined {
  if (payload === false || input === false) return false
  return payload === true || input === true ? true : undefined
}

/** A preview asked for by one source is never turned into a real run by another. */
function anyTrue(values: readonly (boolean | undefined)[]): boolean | undefined {
  if (values.includes(true)) return true
  return values.includes(false) ? false : undefined
}

function booleanInput(raw: string, name: string): boolean | undefined {
  const value = raw.trim()
  if (value === '') return undefined
  // The spellings core.getBooleanInput accepts (YAML 1.2 core schema booleans).
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(
    `input ${name}`,
    `got "${printable(value)}", expected true or false`,
    `Set ${name} to true or false, or leave it empty so that the payload or the config decides`
  )
}

function resolveKind(
  input: string,
  dispatch: DispatchFields | undefined,
  runnerEventName: string
): EventKind {
  if (input.trim() !== '') return eventKind(input, 'input event')
  if (dispatch?.event !== undefined) {
    const kind = eventKind(dispatch.event, dispatch.name('event'))
    const eventType = dispatch.eventType ?? ''
    const typed = normaliseEventType(eventType)
    // A workflow routes on event_type (an approval gate sends plan_completed to a
    // protected job): a payload naming another event would run where it was not routed.
    if (typed !== undefined && typed !== kind) {
      throw new InputError(
        dispatch.name('event'),
        `says ${kind} but the dispatch's event_type "${printable(eventType)}" says ${typed}`,
        `Send the same event in both (event_type debussy-${kind.replace(/_/g, '-')}), or leave client_payload.event out`
      )
    }
    return kind
  }
  if (dispatch?.eventType !== undefined) {
    return eventKind(dispatch.eventType, 'repository_dispatch event_type (action)')
  }
  if (dispatch !== undefined) {
    throw new InputError(
      dispatch.name('event'),
      `missing${runnerEventName === 'repository_dispatch' ? ', and the dispatch has no event_type' : ''}${dispatch.unknownKeysHint}`,
      `Give one of ${EVENT_KINDS.join(', ')} there, or set the action's event input`
    )
  }
  throw new InputError(
    'input event',
    `not set, and ${noPayload(runnerEventName)}`,
    `Set the action's event input to one of ${EVENT_KINDS.join(', ')}, or run the workflow on repository_dispatch`
  )
}

function noPayload(runnerEventName: string): string {
  return runnerEventName === ''
    ? 'GITHUB_EVENT_NAME is not set, so there is no dispatch payload to read'
    : `a ${printable(runnerEventName)} event carries no Debussy payload`
}

function eventKind(value: string, field: string): EventKind {
  const kind = normaliseEventType(value)
  if (kind !== undefined) return kind
  throw new InputError(
    field,
    `"${printable(value)}" is not a Debussy event`,
    `Use one of ${ACCEPTED_EVENTS}`
  )
}

function resolvePlan(
  input: string,
  dispatch: DispatchFields | undefined,
  runnerEventName: string
): { plan: string; planField: string } {
  if (input.trim() !== '') return { plan: planPath(input, 'input plan'), planField: 'input plan' }
  if (dispatch?.plan !== undefined) {
    const field = dispatch.name('plan')
    return { plan: planPath(dispatch.plan, field), planField: field }
  }
  if (dispatch !== undefined) {
    throw new InputError(
      dispatch.name('plan'),
      `missing${dispatch.unknownKeysHint}`,
      `Give the master plan's path relative to the repository root, such as "${PLAN_EXAMPLE}", or set the action's plan input`
    )
  }
  throw new InputError(
    'input plan',
    `not set, and ${noPayload(runnerEventName)}`,
    `Set the action's plan input to the master plan's path, such as ${PLAN_EXAMPLE}`
  )
}

function planPath(value: string, field: string): string {
  const path = value.trim()
  if (path === '' || !NO_CONTROL_CHARACTERS.test(path)) {
    throw new InputError(
      field,
      path === '' ? 'is empty' : `"${printable(path)}" contains control characters`,
      `Give the master plan's path relative to the repository root, such as "${PLAN_EXAMPLE}"`
    )
  }
  return path
}

function resolvePhase(
  input: string,
  dispatch: DispatchFields | undefined,
  kind: EventKind
): string {
  if (input.trim() !== '') return phaseId(input, 'input phase')
  if (dispatch?.phase !== undefined) return phaseId(dispatch.phase, dispatch.name('phase'))
  throw new InputError(
    dispatch?.name('phase') ?? 'input phase',
    `missing: a ${kind} event needs the phase id${dispatch?.unknownKeysHint ?? ''}`,
    dispatch === undefined
      ? `Set the action's phase input to the phase id from the plan's Phases table, such as "1" or "3.1"`
      : `Give the phase id from the plan's Phases table, such as "1" or "3.1", or set the action's phase input`
  )
}

function phaseId(value: string | number, field: string): string {
  // A JSON number becomes its shortest decimal form: 2 → "2", 2.5 → "2.5".
  const id = typeof value === 'number' ? String(value) : value.trim()
  if (PHASE_ID.test(id)) return id
  throw new InputError(
    field,
    `got ${describeValue(value)}, expected a phase id of 1 to 32 letters, digits, ".", "_" or "-"`,
    `Use the id from the plan's Phases table, such as "1" or "3.1"`
  )
}

function readRepositoryDispatch(payload: unknown, findings: Finding[]): DispatchFields {
  const event = eventObject(payload)
  const clientPayload = optionalObject(event.client_payload, 'client_payload')
  const name = (key: string): string => `client_payload.${key}`
  const parsed = clientPayloadSchema.partial({ plan: true }).safeParse(clientPayload)
  if (!parsed.success) throw fromIssues(parsed.error.issues, clientPayload, name, payloadFix)

  const unknown = Object.keys(clientPayload).filter((key) => !isPayloadKey(key))
  if (unknown.length > 0) {
    findings.push({
      level: 'warning',
      message: `client_payload keys the action does not know are ignored: ${unknown.map(describeKey).join(', ')}. Known keys: ${PAYLOAD_KEYS.join(', ')}`
    })
  }
  return {
    name,
    unknownKeysHint:
      unknown.length === 0
        ? ''
        : ` (client_payload has keys the action does not know: ${unknown.map(describeKey).join(', ')})`,
    eventType:
      typeof event.action === 'string' && event.action.trim() !== '' ? event.action : undefined,
    ...payloadFields(parsed.data)
  }
}

/** The same keys arrive from both sources: client_payload's snake_case to the event's fields. */
function payloadFields(
  data:
    Partial<z.output<typeof clientPayloadSchema>> | z.output<typeof workflowDispatchInputsSchema>
): Omit<DispatchFields, 'name' | 'unknownKeysHint' | 'eventType'> {
  return {
    event: data.event,
    plan: data.plan,
    phase: data.phase,
    completedPhases: data.completed_phases,
    totalPhases: data.total_phases,
    autoClose: data.auto_close,
    dryRun: data.dry_run,
    runId: data.run_id,
    sequence: data.sequence
  }
}

function readWorkflowDispatch(payload: unknown): DispatchFields {
  const event = eventObject(payload)
  const inputs = optionalObject(event.inputs, 'workflow_dispatch inputs')
  const name = (key: string): string => `workflow_dispatch inputs.${key}`
  const parsed = workflowDispatchInputsSchema.safeParse(inputs)
  if (!parsed.success) throw fromIssues(parsed.error.issues, inputs, name, dispatchFix)
  return {
    name,
    unknownKeysHint: '',
    eventType: undefined,
    ...payloadFields(parsed.data)
  }
}

function eventObject(payload: unknown): Record<string, unknown> {
  if (isPlainObject(payload)) return payload
  throw new InputError(
    'event payload (GITHUB_EVENT_PATH)',
    `is ${describeValue(payload)}, not a JSON object`,
    'Run the action from a workflow that GitHub triggers, so that GITHUB_EVENT_PATH names the event JSON'
  )
}

/** `client_payload` and `inputs` may be absent or null: then nothing was sent. */
function optionalObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (isPlainObject(value)) return value
  throw new InputError(
    field,
    `is ${describeValue(value)}, not an object`,
    `Send ${field} as a JSON object, such as {"event": "phase_started", "plan": "${PLAN_EXAMPLE}", "phase": "1"}`
  )
}

function isPayloadKey(key: string): key is PayloadKey {
  return (PAYLOAD_KEYS as string[]).includes(key)
}

/** A key as a warning shows it, with the known key it was probably meant to be. */
function describeKey(key: string): string {
  const compact = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '')
  const meant = PAYLOAD_KEYS.find((known) => compact(known) === compact(key))
  return `"${printable(key, 40)}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}`
}

/** How a user's value reads in a message: strings quoted, structures named. */

/** The expected form of each key, for messages; the examples are what a user types. */
const FORMS: Record<
  PayloadKey,
  {
    readonly type: 'text' | 'integer' | 'boolean'
    readonly expected: string
    readonly example: string
  }
> = {
  event: { type: 'text', expected: `one of ${EVENT_KINDS.join(', ')}`, example: 'phase_completed' },
  plan: { type: 'text', expected: 'a path, as a string', example: PLAN_EXAMPLE },
  phase: { type: 'text', expected: 'a phase id, as a string or a number', example: '3.1' },
  completed_phases: { type: 'integer', expected: 'an integer ≥ 0', example: '2' },
  total_phases: { type: 'integer', expected: 'an integer ≥ 1', example: '4' },
  auto_close: { type: 'boolean', expected: 'true or false', example: 'true' },
  dry_run: { type: 'boolean', expected: 'true or false', example: 'true' },
  run_id: {
    type: 'text',
    expected: 'a string of 1 to 100 characters without control characters',
    example: '3f9c2a7e'
  },
  sequence: { type: 'integer', expected: 'an integer ≥ 0', example: '4' }
}

type Fix = (key: PayloadKey, value: unknown) => string

const payloadFix: Fix = (key, value) => {
  const form = FORMS[key]
  // A number or boolean in quotes is the commonest slip in a hand-built payload.
  if (typeof value === 'string') {
    const quoted =
      (form.type === 'integer' && /^\d+$/.test(value)) ||
      (form.type === 'boolean' && /^(true|false)$/.test(value))
    if (quoted) return `Send it as JSON without quotes: "${key}": ${value}`
  }
  const example = form.type === 'text' ? `"${form.example}"` : form.example
  return `Send "${key}": ${example}, or leave the key out`
}

const dispatchFix: Fix = (key) =>
  `Enter ${FORMS[key].example} as the workflow_dispatch input ${key}, or leave it empty`

/** One message for a failed parse: the first bad field, and the others to check too. */
function fromIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: Record<string, unknown>,
  name: (key: string) => string,
  fix: Fix
): InputError {
  // Every issue of these object schemas sits under one of their keys, and a failed parse has one.
  const keys = [...new Set(issues.map((issue) => issue.path[0] as PayloadKey))]
  const first = keys[0] as PayloadKey
  const value = raw[first]
  const others = keys.slice(1)
  const also = others.length === 0 ? '' : `. Also check ${others.map(name).join(', ')}`
  return new InputError(
    name(first),
    `got ${describeValue(value)}, expected ${FORMS[first].expected}`,
    `${fix(first, value)}${also}`
  )
}
