import { z } from 'zod'
import { EVENT_KINDS, type EventKind, type Finding, type PhaseEvent } from './domain.js'
import {
  InputError,
  NO_CONTROL_CHARACTERS,
  closestName,
  describeValue,
  fromIssues,
  hasControlCharacters,
  isPlainObject,
  printable
} from './errors.js'
import { field, fieldDocsOf, type FieldDoc } from './fields.js'

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
const PHASE_ID_FORM = 'a phase id of 1 to 32 letters, digits, ".", "_" or "-"'
const PLAN_EXAMPLE = 'docs/plans/my-feature/MASTER_PLAN.md'
/** `[^…controls…]`, and the same without whitespace: a path with something in it (the action trims it). */
const ALLOWED_CHARACTER = NO_CONTROL_CHARACTERS.source.slice(1, -2)
const NON_BLANK_CHARACTER = ALLOWED_CHARACTER.replace('[^', '[^\\s')

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

/** Letters as [aA] classes: JSON Schema patterns have no case-insensitive flag. */
function caseless(pattern: string): string {
  return pattern.replace(/\\.|[a-z]/g, (c) => (c.length === 2 ? c : `[${c}${c.toUpperCase()}]`))
}

/** The names normaliseEventType accepts, as one JSON Schema pattern (for senders that validate). */
export const EVENT_NAME_PATTERN = caseless(
  '^\\s*(?:debussy(?:[:_./]|[\\s-]+)+)?(?:phase(?:_|[\\s-]+)(?:started|completed|failed|validating|blocked|awaiting(?:_|[\\s-]+)human)|plan(?:_|[\\s-]+)completed)\\s*$'
)

/** The phase events among them, which need a phase. */
export const PHASE_EVENT_PATTERN = caseless(
  '^\\s*(?:debussy(?:[:_./]|[\\s-]+)+)?phase(?:_|[\\s-]+)(?:started|completed|failed|validating|blocked|awaiting(?:_|[\\s-]+)human)\\s*$'
)

/**
 * `client_payload` of a `repository_dispatch`, version 1: JSON types, checked
 * strictly. Each key is declared once here; the checks done in code (event
 * names, phase ids, the plan path) carry their JSON Schema form as metadata.
 */
export const clientPayloadSchema = z
  .object({
    event: field(z.string().optional(), {
      description: `What happened: ${EVENT_KINDS.join(', ')}, normalised like event_type (\`debussy:phase-started\` is \`phase_started\`). When absent, the dispatch's event_type is used.`,
      expected: `one of ${EVENT_KINDS.join(', ')}`,
      example: 'phase_completed',
      required: 'no, when `event_type` names the event',
      jsonSchema: { pattern: EVENT_NAME_PATTERN }
    }),
    plan: field(z.string(), {
      description:
        'Path of the master plan markdown, relative to the repository root; trimmed; no control characters.',
      expected: 'a path, as a string',
      example: PLAN_EXAMPLE,
      required: 'yes, unless the `plan` input is set',
      jsonSchema: { pattern: `^${ALLOWED_CHARACTER}*${NON_BLANK_CHARACTER}${ALLOWED_CHARACTER}*$` }
    }),
    phase: field(z.union([z.string(), z.number()]).optional(), {
      description: `Phase id as in the plan's Phases table ("1", "3.1"): 1 to 32 letters, digits, ".", "_" or "-". Ignored for plan_completed (only its JSON type is checked).`,
      expected: 'a phase id, as a string or a number',
      example: '3.1',
      required: 'for `phase_*` events, unless the `phase` input is set',
      jsonSchema: {
        anyOf: [
          { type: 'string', pattern: `^\\s*${PHASE_ID.source.slice(1, -1)}\\s*$` },
          // Its shortest decimal form must be an id: no exponent with a "+".
          { type: 'number', exclusiveMinimum: -1e21, exclusiveMaximum: 1e21 }
        ]
      }
    }),
    completed_phases: field(z.int().min(0).optional(), {
      description:
        "Phases completed so far, as the orchestrator counts them; overrides the plan's Status column.",
      expected: 'an integer ≥ 0',
      example: 2
    }),
    total_phases: field(z.int().min(1).optional(), {
      description: "Number of phases of the plan; overrides the count of the plan's Phases table.",
      expected: 'an integer ≥ 1',
      example: 4
    }),
    auto_close: field(z.boolean().optional(), {
      description:
        "The orchestrator's --auto-close: close the linked issues on plan_completed when every phase is done.",
      expected: 'true or false',
      example: true
    }),
    dry_run: field(z.boolean().optional(), {
      description:
        'Preview only: read, and list the writes that would be made; false cannot end a preview that another source asks for.',
      expected: 'true or false',
      example: true
    }),
    run_id: field(z.string().min(1).max(100).regex(NO_CONTROL_CHARACTERS).optional(), {
      description: "The orchestrator's run id; with sequence, orders the events of one run.",
      expected: 'a string of 1 to 100 characters without control characters',
      example: '3f9c2a7e'
    }),
    sequence: field(z.int().min(0).optional(), {
      description: 'Order of this event within run_id; an event older than one applied is skipped.',
      expected: 'an integer ≥ 0',
      example: 4
    })
  })
  .meta({
    description: 'client_payload of a Debussy repository_dispatch, version 1.',
    // A sender that validates catches a misspelt key; the action itself warns and ignores it.
    additionalProperties: false,
    // Across keys, which zod's object cannot say: phase events need a phase.
    allOf: [
      {
        if: { properties: { event: { pattern: PHASE_EVENT_PATTERN } }, required: ['event'] },
        then: { required: ['phase'] }
      }
    ]
  })

/** The payload as parsed; every key is the sender's, so each may be missing. */
export type ClientPayload = z.output<typeof clientPayloadSchema>
type PayloadKey = keyof ClientPayload
const PAYLOAD_KEYS = Object.keys(clientPayloadSchema.shape) as PayloadKey[]
const PAYLOAD_DOCS = fieldDocsOf(clientPayloadSchema.shape)

function payloadDoc(key: PayloadKey): FieldDoc {
  // fieldDocsOf has every key of the shape.
  return PAYLOAD_DOCS.get(key) as FieldDoc
}

/**
 * A workflow_dispatch form value as the payload field has it: text trimmed,
 * `''` not given, digits a number and `true`/`false` (as core.getBooleanInput
 * spells them) a boolean where the field is one, judged by its example.
 */
function formValues(inputs: unknown): unknown {
  if (!isPlainObject(inputs)) return inputs
  const values: Record<string, unknown> = {}
  for (const key of PAYLOAD_KEYS) {
    const value = inputs[key]
    if (typeof value !== 'string') {
      values[key] = value
      continue
    }
    const text = value.trim()
    const example = payloadDoc(key).example
    if (text === '') values[key] = undefined
    else if (typeof example === 'number' && /^\d+$/.test(text)) values[key] = Number(text)
    else if (typeof example === 'boolean' && /^(true|True|TRUE|false|False|FALSE)$/.test(text)) {
      values[key] = text.toLowerCase() === 'true'
    } else values[key] = text
  }
  return values
}

/**
 * `inputs` of a `workflow_dispatch`: the `client_payload` fields as the strings
 * a form sends (`"2"`, `"true"`, `""` for not given). Inputs the action does not
 * know are dropped: workflows declare their own.
 */
export const workflowDispatchInputsSchema = z.preprocess(formValues, clientPayloadSchema.partial())

/** What a dispatch carried, whichever kind it was, with where each field came from. */
interface DispatchFields extends Partial<ClientPayload> {
  /** How messages name a key of this source: `client_payload.plan`, `workflow_dispatch inputs.plan`. */
  readonly name: (key: PayloadKey) => string
  /** Appended to "missing" messages, so that a misspelt key is spotted. */
  readonly unknownKeysHint: string
  /** The dispatch's `event_type`, which the event file carries as `action`. */
  readonly eventType: string | undefined
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
    completedPhases: dispatch?.completed_phases,
    totalPhases: dispatch?.total_phases,
    autoClose: autoCloseOf(dispatch?.auto_close, autoCloseInput),
    dryRun: anyTrue([dispatch?.dry_run, dryRunInput]),
    runId: dispatch?.run_id,
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
  if (path === '' || hasControlCharacters(path)) {
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
    `got ${describeValue(value)}, expected ${PHASE_ID_FORM}`,
    `Use the id from the plan's Phases table, such as "1" or "3.1"`
  )
}

function readRepositoryDispatch(payload: unknown, findings: Finding[]): DispatchFields {
  const event = eventObject(payload)
  const clientPayload = optionalObject(event.client_payload, 'client_payload')
  const name = (key: string): string => `client_payload.${key}`
  const parsed = clientPayloadSchema.partial({ plan: true }).safeParse(clientPayload)
  if (!parsed.success) throw payloadError(parsed.error.issues, clientPayload)

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
    ...parsed.data
  }
}

function readWorkflowDispatch(payload: unknown): DispatchFields {
  const event = eventObject(payload)
  const inputs = optionalObject(event.inputs, 'workflow_dispatch inputs')
  const name = (key: string): string => `workflow_dispatch inputs.${key}`
  const parsed = workflowDispatchInputsSchema.safeParse(inputs)
  if (!parsed.success) {
    throw fromIssues(parsed.error.issues, inputs, { field: name, form: dispatchForm })
  }
  return { name, unknownKeysHint: '', eventType: undefined, ...parsed.data }
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
  const meant = closestName(key, PAYLOAD_KEYS)
  return `"${printable(key, 40)}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}`
}

/** The expected form of a payload key, and the fix: a quoted number or boolean is the commonest slip. */
function payloadForm(key: string, value: unknown): { expected: string; fix: string } {
  const doc = payloadDoc(key as PayloadKey)
  const example = doc.example
  const quoted =
    typeof value === 'string' &&
    ((typeof example === 'number' && /^\d+$/.test(value)) ||
      (typeof example === 'boolean' && /^(true|false)$/.test(value)))
  return {
    expected: doc.expected,
    fix: quoted
      ? `Send it as JSON without quotes: "${key}": ${value}`
      : `Send "${key}": ${JSON.stringify(example)}, or leave the key out`
  }
}

/**
 * A failed parse of a client_payload as one message, as the action words it:
 * the first bad key, its value and expected form. `field` names a key where
 * the payload is not a dispatch's (a CLI flag), and `fix` replaces the advice.
 */
export function payloadError(
  issues: readonly z.core.$ZodIssue[],
  raw: Record<string, unknown>,
  field: (key: string) => string = (key) => `client_payload.${key}`,
  fix?: string
): InputError {
  const form =
    fix === undefined
      ? payloadForm
      : (key: string) => ({ expected: payloadDoc(key as PayloadKey).expected, fix })
  return fromIssues(issues, raw, { field, form })
}

function dispatchForm(key: string): { expected: string; fix: string } {
  const doc = payloadDoc(key as PayloadKey)
  return {
    expected: doc.expected,
    fix: `Enter ${String(doc.example)} as the workflow_dispatch input ${key}, or leave it empty`
  }
}
