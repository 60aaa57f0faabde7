/**
 * The bad-input corpus of the reliability suite, as data: malformed and hostile
 * payloads (client_payload, workflow_dispatch inputs, the event file), action
 * inputs, config files and plan files. Each case says where it goes and what
 * the action must do:
 *
 * - `refused`: the step fails, before any request, with an `::error::` whose
 *   text matches `field` (it names the field) and `fix` (it says what to do);
 * - `accepted`: the step succeeds (hostile text in the plan is accepted but
 *   must come out inert in the completion comment and the job summary).
 *
 * The base every case starts from: the sample repository's plan at PLAN_PATH
 * (issues #1–#3 of acme/payments), no config file, and a repository_dispatch
 * with client_payload {event: phase_started, plan: PLAN_PATH, phase: "1"}.
 */
import { PLAN_PATH } from './sample-repo.js'

/** File content: text, a long repetition, or raw bytes. */
export type Content =
  | string
  | {
      readonly repeat: string
      readonly times: number
      readonly prefix?: string
      readonly suffix?: string
    }
  | { readonly bytes: readonly number[] }

export type Expectation =
  | { readonly refused: true; readonly field: RegExp; readonly fix: RegExp }
  | { readonly refused: false; readonly inert?: boolean; readonly warning?: RegExp }

export interface CorpusCase {
  readonly id: string
  readonly area: 'client_payload' | 'workflow_dispatch' | 'event file' | 'input' | 'config' | 'plan'
  readonly title: string
  /** Merged into the base client_payload (or the workflow_dispatch inputs); `null` values stay. */
  readonly payload?: Readonly<Record<string, unknown>>
  /** Replaces client_payload (or inputs) whole, e.g. with a string. */
  readonly rawPayload?: unknown
  /** Drop these keys of the base payload. */
  readonly omit?: readonly string[]
  readonly eventName?: string
  /** The dispatch's event_type (the event file's `action`). */
  readonly eventType?: string
  /** The event file's text as is, instead of the JSON of a dispatch. */
  readonly eventFile?: Content
  readonly inputs?: Readonly<Record<string, string>>
  /** Workspace files, relative to its root; replaces the base file of the same path. */
  readonly files?: Readonly<Record<string, Content>>
  /** Symbolic links: path → target. `$OUTSIDE/` targets a directory outside the workspace. */
  readonly symlinks?: Readonly<Record<string, string>>
  readonly expect: Expectation
}

export const BASE_PAYLOAD = { event: 'phase_started', plan: PLAN_PATH, phase: '1' } as const
export const CONFIG_PATH = '.debussy/config.yaml'

// Fix phrases, as the action words them (SPEC §7: "names the field and the fix").
const SEND = /Send "[a-z_]+": |Send it as JSON without quotes|leave the key out/
const ENTER = /Enter .+ as the workflow_dispatch input|leave it empty/
const EVENT_FIX = /Use one of phase_started, phase_completed, phase_failed, plan_completed/
const PATH_FIX =
  /Give (a|the master plan's) path|relative to the repository root|inside the repository/
const YAML_FIX =
  /Fix the YAML|Write the values out|Keep one of the repeated keys|Write each key once|Remove the "---"|Indent the settings|Write the settings as key: value/
const REF_FIX =
  /Write (an issue|each item|a ref|a list)|Issue numbers run from 1|Link (issues|an issue|the issue)|Quote each ref|List the issues/
const BOOL_INPUT_FIX = /to true or false, or leave it empty/

const refuse = (field: RegExp, fix: RegExp): Expectation => ({ refused: true, field, fix })

function payloadCase(
  id: string,
  key: string,
  value: unknown,
  title = `${key} = ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`,
  fix: RegExp = SEND
): CorpusCase {
  return {
    id,
    area: 'client_payload',
    title,
    payload: { [key]: value },
    expect: refuse(new RegExp(`client_payload\\.${key}\\b`), fix)
  }
}

function dispatchCase(id: string, key: string, value: unknown, fix: RegExp = ENTER): CorpusCase {
  return {
    id,
    area: 'workflow_dispatch',
    title: `inputs.${key} = ${JSON.stringify(value)?.slice(0, 40)}`,
    eventName: 'workflow_dispatch',
    payload: { [key]: value },
    expect: refuse(new RegExp(`workflow_dispatch inputs\\.${key}\\b`), fix)
  }
}

function planCase(
  id: string,
  title: string,
  plan: Content,
  field: RegExp,
  fix: RegExp
): CorpusCase {
  return { id, area: 'plan', title, files: { [PLAN_PATH]: plan }, expect: refuse(field, fix) }
}

/** A plan with this frontmatter and a one-line body. */
const front = (yaml: string): string => `---\n${yaml}\n---\n# Payments retry\n`

function configCase(
  id: string,
  title: string,
  config: Content,
  field: RegExp,
  fix: RegExp
): CorpusCase {
  return { id, area: 'config', title, files: { [CONFIG_PATH]: config }, expect: refuse(field, fix) }
}

const ISSUES_FIELD = /plan github_issues( item \d+)? \(line \d+\)|plan github_issues/
const BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]'
].join('\n')
const HOSTILE_TITLE =
  '# Retry @octocat and @acme/payments-team <img src=x onerror=alert(1)> [click](javascript:alert(1)) ![x](https://evil.example/x.png) | #1 <script>alert(1)</script> **bold** `code` GH-12 \u202Edesrever\u202C'

export const CORPUS: readonly CorpusCase[] = [
  // ---- client_payload: wrong types, unknown events, hostile strings --------------------------
  payloadCase('cp-event-number', 'event', 5),
  payloadCase('cp-event-bool', 'event', true),
  payloadCase('cp-event-list', 'event', ['phase_started']),
  payloadCase('cp-event-object', 'event', { name: 'phase_started' }),
  payloadCase('cp-event-null', 'event', null),
  payloadCase('cp-event-unknown', 'event', 'phase_paused', 'unknown event', EVENT_FIX),
  payloadCase(
    'cp-event-awaiting-short',
    'event',
    'phase_awaiting',
    'awaiting without human',
    EVENT_FIX
  ),
  payloadCase('cp-event-plan-started', 'event', 'debussy:plan-started', 'unknown event', EVENT_FIX),
  payloadCase('cp-event-empty', 'event', '', 'empty event', EVENT_FIX),
  payloadCase('cp-event-nul', 'event', 'phase_started\u0000', 'NUL in event', EVENT_FIX),
  payloadCase(
    'cp-event-sql',
    'event',
    "phase_started'; DROP TABLE issues;--",
    'SQL in event',
    EVENT_FIX
  ),
  payloadCase('cp-event-huge', 'event', 'x'.repeat(20_000), '20 000-character event', EVENT_FIX),
  payloadCase(
    'cp-event-ansi',
    'event',
    '\u001b[31mphase_started\u001b[0m',
    'ANSI escapes',
    EVENT_FIX
  ),
  payloadCase('cp-event-command', 'event', '::set-output name=x::y', 'workflow command', EVENT_FIX),
  payloadCase('cp-plan-number', 'plan', 5),
  payloadCase('cp-plan-bool', 'plan', false),
  payloadCase('cp-plan-list', 'plan', [PLAN_PATH]),
  payloadCase('cp-plan-object', 'plan', { path: PLAN_PATH }),
  payloadCase('cp-plan-null', 'plan', null),
  payloadCase('cp-plan-empty', 'plan', '', 'empty plan path', PATH_FIX),
  payloadCase('cp-plan-blank', 'plan', '   ', 'blank plan path', PATH_FIX),
  payloadCase('cp-plan-bell', 'plan', 'docs/\u0007plan.md', 'control character in path', PATH_FIX),
  payloadCase(
    'cp-plan-newline',
    'plan',
    'docs/plan.md\n::error::forged',
    'newline and a forged command',
    PATH_FIX
  ),
  payloadCase('cp-plan-nul', 'plan', `${PLAN_PATH}\u0000.png`, 'NUL in path', PATH_FIX),
  {
    id: 'cp-plan-traversal',
    area: 'client_payload',
    title: 'path traversal ../../etc/passwd',
    payload: { plan: '../../etc/passwd' },
    expect: refuse(/^plan\b|\bplan:/, /inside the repository|without "\.\." segments/)
  },
  {
    id: 'cp-plan-traversal-deep',
    area: 'client_payload',
    title: 'traversal through a real directory',
    payload: { plan: 'docs/plans/../../../../../../etc/shadow' },
    expect: refuse(/\bplan\b/, /inside the repository/)
  },
  {
    id: 'cp-plan-dotdot',
    area: 'client_payload',
    title: 'the parent directory itself',
    payload: { plan: '..' },
    expect: refuse(/\bplan\b/, /inside the repository/)
  },
  {
    id: 'cp-plan-absolute',
    area: 'client_payload',
    title: 'absolute path',
    payload: { plan: '/etc/passwd' },
    expect: refuse(/\bplan\b/, PATH_FIX)
  },
  {
    id: 'cp-plan-proc',
    area: 'client_payload',
    title: 'absolute /proc path',
    payload: { plan: '/proc/self/environ' },
    expect: refuse(/\bplan\b/, PATH_FIX)
  },
  {
    id: 'cp-plan-missing-file',
    area: 'client_payload',
    title: 'a plan that is not there',
    payload: { plan: 'docs/plans/nope/MASTER_PLAN.md' },
    expect: refuse(/\bplan\b/, /Check the path|actions\/checkout/)
  },
  {
    id: 'cp-plan-directory',
    area: 'client_payload',
    title: 'a directory',
    payload: { plan: 'docs/plans' },
    expect: refuse(/\bplan\b/, /Point it at/)
  },
  {
    id: 'cp-plan-url-encoded',
    area: 'client_payload',
    title: 'percent-encoded traversal (not decoded)',
    payload: { plan: '%2e%2e/%2e%2e/etc/passwd' },
    expect: refuse(/\bplan\b/, /Check the path/)
  },
  {
    id: 'cp-plan-rtl',
    area: 'client_payload',
    title: 'right-to-left override in the name',
    payload: { plan: 'docs/\u202edm.NALP_RETSAM' },
    expect: refuse(/\bplan\b/, /Check the path/)
  },
  payloadCase('cp-phase-empty', 'phase', '', 'empty phase', /phase id|Use the id from the plan/),
  payloadCase('cp-phase-blank', 'phase', '  ', 'blank phase', /phase id|Use the id from the plan/),
  payloadCase('cp-phase-list', 'phase', ['1']),
  payloadCase('cp-phase-object', 'phase', { id: 1 }),
  payloadCase('cp-phase-bool', 'phase', true),
  payloadCase('cp-phase-null', 'phase', null),
  payloadCase('cp-phase-space', 'phase', 'a b', 'space in phase', /Use the id from the plan/),
  payloadCase(
    'cp-phase-shell',
    'phase',
    '1;rm -rf /',
    'shell in phase',
    /Use the id from the plan/
  ),
  payloadCase(
    'cp-phase-traversal',
    'phase',
    '../1',
    'traversal in phase',
    /Use the id from the plan/
  ),
  payloadCase(
    'cp-phase-long',
    'phase',
    '1'.repeat(33),
    '33-character phase',
    /Use the id from the plan/
  ),
  payloadCase('cp-phase-html', 'phase', '<script>', 'HTML in phase', /Use the id from the plan/),
  payloadCase(
    'cp-phase-mention',
    'phase',
    '@octocat',
    'mention in phase',
    /Use the id from the plan/
  ),
  payloadCase('cp-phase-exponent', 'phase', 1e21, 'phase 1e21', /Use the id from the plan/),
  payloadCase('cp-phase-newline', 'phase', '1\n2', 'newline in phase', /Use the id from the plan/),
  payloadCase(
    'cp-phase-arabic',
    'phase',
    '\u0661',
    'Arabic-Indic digit',
    /Use the id from the plan/
  ),
  {
    id: 'cp-phase-missing',
    area: 'client_payload',
    title: 'phase_started without a phase',
    omit: ['phase'],
    expect: refuse(/client_payload\.phase\b/, /Give the phase id|set the action's phase input/)
  },
  payloadCase('cp-completed-word', 'completed_phases', 'two'),
  payloadCase('cp-completed-quoted', 'completed_phases', '2', 'quoted integer', /without quotes/),
  payloadCase('cp-completed-negative', 'completed_phases', -1),
  payloadCase('cp-completed-fraction', 'completed_phases', 1.5),
  payloadCase('cp-completed-bool', 'completed_phases', true),
  payloadCase('cp-completed-list', 'completed_phases', [2]),
  payloadCase('cp-completed-object', 'completed_phases', { n: 2 }),
  payloadCase('cp-completed-null', 'completed_phases', null),
  payloadCase('cp-completed-unsafe', 'completed_phases', 2 ** 53 + 2, 'beyond 2^53'),
  payloadCase('cp-total-zero', 'total_phases', 0),
  payloadCase('cp-total-negative', 'total_phases', -3),
  payloadCase('cp-total-quoted', 'total_phases', '4', 'quoted integer', /without quotes/),
  payloadCase('cp-total-fraction', 'total_phases', 2.5),
  payloadCase('cp-total-bool', 'total_phases', false),
  payloadCase('cp-total-list', 'total_phases', []),
  payloadCase('cp-total-null', 'total_phases', null),
  payloadCase('cp-autoclose-quoted', 'auto_close', 'true', 'quoted boolean', /without quotes/),
  payloadCase('cp-autoclose-yes', 'auto_close', 'yes'),
  payloadCase('cp-autoclose-one', 'auto_close', 1),
  payloadCase('cp-autoclose-zero', 'auto_close', 0),
  payloadCase('cp-autoclose-null', 'auto_close', null),
  payloadCase('cp-autoclose-list', 'auto_close', [true]),
  payloadCase('cp-dryrun-quoted', 'dry_run', 'false', 'quoted boolean', /without quotes/),
  payloadCase('cp-dryrun-one', 'dry_run', 1),
  payloadCase('cp-dryrun-object', 'dry_run', {}),
  payloadCase('cp-dryrun-null', 'dry_run', null),
  payloadCase('cp-runid-empty', 'run_id', ''),
  payloadCase('cp-runid-long', 'run_id', 'r'.repeat(101), '101-character run_id'),
  payloadCase('cp-runid-newline', 'run_id', 'run\n::warning::forged', 'newline in run_id'),
  payloadCase('cp-runid-number', 'run_id', 7),
  payloadCase('cp-runid-bool', 'run_id', true),
  payloadCase('cp-runid-object', 'run_id', { id: 'x' }),
  payloadCase('cp-sequence-negative', 'sequence', -1),
  payloadCase('cp-sequence-fraction', 'sequence', 1.5),
  payloadCase('cp-sequence-quoted', 'sequence', '3', 'quoted integer', /without quotes/),
  payloadCase('cp-sequence-bool', 'sequence', true),
  payloadCase('cp-sequence-list', 'sequence', [1]),
  payloadCase('cp-sequence-unsafe', 'sequence', 2 ** 53 + 2, 'beyond 2^53'),
  payloadCase('cp-sequence-null', 'sequence', null),
  {
    id: 'cp-string',
    area: 'client_payload',
    title: 'client_payload is a string',
    rawPayload: 'phase_started docs/plan.md 1',
    expect: refuse(/client_payload\b/, /Send client_payload as a JSON object/)
  },
  {
    id: 'cp-array',
    area: 'client_payload',
    title: 'client_payload is a list',
    rawPayload: [BASE_PAYLOAD],
    expect: refuse(/client_payload\b/, /Send client_payload as a JSON object/)
  },
  {
    id: 'cp-number',
    area: 'client_payload',
    title: 'client_payload is a number',
    rawPayload: 42,
    expect: refuse(/client_payload\b/, /Send client_payload as a JSON object/)
  },
  {
    id: 'cp-bool',
    area: 'client_payload',
    title: 'client_payload is true',
    rawPayload: true,
    expect: refuse(/client_payload\b/, /Send client_payload as a JSON object/)
  },
  {
    id: 'cp-empty-no-type',
    area: 'client_payload',
    title: 'empty client_payload, event_type not a Debussy event',
    rawPayload: {},
    eventType: 'deploy',
    expect: refuse(/event_type|client_payload\.event/, EVENT_FIX)
  },
  {
    id: 'cp-no-plan',
    area: 'client_payload',
    title: 'no plan',
    omit: ['plan'],
    expect: refuse(
      /client_payload\.plan\b/,
      /Give the master plan's path|set the action's plan input/
    )
  },
  {
    id: 'cp-misspelt-plan',
    area: 'client_payload',
    title: 'plan misspelt as plan_path (and no plan)',
    omit: ['plan'],
    payload: { plan_path: PLAN_PATH },
    expect: refuse(/client_payload\.plan\b/, /Give the master plan's path/)
  },
  {
    id: 'cp-phase-missing-blocked',
    area: 'client_payload',
    title: 'phase_blocked without a phase',
    omit: ['phase'],
    payload: { event: 'phase_blocked' },
    expect: refuse(/client_payload\.phase\b/, /Give the phase id|set the action's phase input/)
  },
  {
    id: 'cp-event-type-validating-disagrees',
    area: 'client_payload',
    title: 'event_type debussy-phase-validating but event plan_completed (gate bypass)',
    payload: { event: 'plan_completed' },
    eventType: 'debussy-phase-validating',
    expect: refuse(/client_payload\.event\b/, /Send the same event in both/)
  },
  {
    id: 'cp-event-type-unknown',
    area: 'client_payload',
    title: 'no event key and an unknown event_type',
    omit: ['event'],
    eventType: 'debussy-phase-paused',
    expect: refuse(/event_type/, EVENT_FIX)
  },
  {
    id: 'cp-event-type-disagrees',
    area: 'client_payload',
    title: 'event_type debussy-phase-completed but event plan-completed (gate bypass)',
    payload: { event: 'plan-completed' },
    eventType: 'debussy-phase-completed',
    expect: refuse(/client_payload\.event\b/, /Send the same event in both/)
  },
  // ---- the event file itself -------------------------------------------------------------
  {
    id: 'ev-not-json',
    area: 'event file',
    title: 'the event file is not JSON',
    eventFile: '{"client_payload": {',
    expect: refuse(/GITHUB_EVENT_PATH/, /Let the Actions runner provide the event file/)
  },
  {
    id: 'ev-binary',
    area: 'event file',
    title: 'the event file is binary',
    eventFile: { bytes: [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0xfe] },
    expect: refuse(/GITHUB_EVENT_PATH/, /Let the Actions runner provide the event file/)
  },
  {
    id: 'ev-array',
    area: 'event file',
    title: 'the event is a JSON list',
    eventFile: '[{"client_payload": {}}]',
    expect: refuse(/event payload \(GITHUB_EVENT_PATH\)/, /Run the action from a workflow/)
  },
  {
    id: 'ev-string',
    area: 'event file',
    title: 'the event is a JSON string',
    eventFile: '"phase_started"',
    expect: refuse(/event payload \(GITHUB_EVENT_PATH\)/, /Run the action from a workflow/)
  },
  {
    id: 'ev-null',
    area: 'event file',
    title: 'the event is null',
    eventFile: 'null',
    expect: refuse(/event payload \(GITHUB_EVENT_PATH\)/, /Run the action from a workflow/)
  },
  {
    id: 'ev-infinity',
    area: 'event file',
    title: 'completed_phases 1e400 (Infinity once parsed)',
    eventFile: `{"action":"x","client_payload":{"event":"phase_started","plan":"${PLAN_PATH}","phase":"1","completed_phases":1e400}}`,
    expect: refuse(/client_payload\.completed_phases/, SEND)
  },
  {
    id: 'ev-duplicate-keys',
    area: 'event file',
    title: 'duplicate keys: the last one (a traversal) wins',
    eventFile: `{"action":"x","client_payload":{"event":"phase_started","plan":"${PLAN_PATH}","plan":"../../etc/passwd","phase":"1"}}`,
    expect: refuse(/\bplan\b/, /inside the repository/)
  },
  {
    id: 'ev-deep',
    area: 'event file',
    title: 'client_payload nested 5 000 deep',
    eventFile: {
      prefix: '{"action":"x","client_payload":{"event":"phase_started","plan":',
      repeat: '[',
      times: 5_000,
      suffix: `${']'.repeat(5_000)},"phase":"1"}}`
    },
    expect: refuse(/client_payload\.plan/, SEND)
  },
  {
    id: 'ev-push',
    area: 'event file',
    title: 'a push event without inputs',
    eventName: 'push',
    expect: refuse(
      /input event/,
      /Set the action's event input|run the workflow on repository_dispatch/
    )
  },
  {
    id: 'ev-no-name',
    area: 'event file',
    title: 'no GITHUB_EVENT_NAME at all',
    eventName: '',
    expect: refuse(/input event/, /Set the action's event input/)
  },
  // ---- workflow_dispatch inputs -----------------------------------------------------------
  dispatchCase('wd-completed-word', 'completed_phases', 'two'),
  dispatchCase('wd-completed-negative', 'completed_phases', '-1'),
  dispatchCase('wd-completed-fraction', 'completed_phases', '1.5'),
  dispatchCase('wd-completed-suffix', 'completed_phases', '2x'),
  dispatchCase('wd-total-zero', 'total_phases', '0'),
  dispatchCase('wd-total-word', 'total_phases', 'four'),
  dispatchCase('wd-autoclose-yes', 'auto_close', 'yes'),
  dispatchCase('wd-autoclose-on', 'auto_close', 'on'),
  dispatchCase('wd-autoclose-one', 'auto_close', '1'),
  dispatchCase('wd-dryrun-maybe', 'dry_run', 'maybe'),
  dispatchCase('wd-sequence-negative', 'sequence', '-3'),
  dispatchCase('wd-sequence-word', 'sequence', 'abc'),
  dispatchCase('wd-runid-control', 'run_id', 'a\u0001b'),
  dispatchCase('wd-runid-long', 'run_id', 'r'.repeat(150)),
  dispatchCase('wd-event-unknown', 'event', 'bogus', EVENT_FIX),
  dispatchCase('wd-phase-space', 'phase', 'a b', /Use the id from the plan/),
  dispatchCase('wd-phase-traversal', 'phase', '../../x', /Use the id from the plan/),
  {
    id: 'wd-plan-empty',
    area: 'workflow_dispatch',
    title: 'inputs.plan left empty',
    eventName: 'workflow_dispatch',
    payload: { plan: '' },
    expect: refuse(/workflow_dispatch inputs\.plan/, /Give the master plan's path/)
  },
  {
    id: 'wd-inputs-string',
    area: 'workflow_dispatch',
    title: 'inputs is a string',
    eventName: 'workflow_dispatch',
    rawPayload: 'plan=docs/plan.md',
    expect: refuse(/workflow_dispatch inputs/, /as a JSON object/)
  },
  {
    id: 'wd-inputs-list',
    area: 'workflow_dispatch',
    title: 'inputs is a list',
    eventName: 'workflow_dispatch',
    rawPayload: ['phase_started'],
    expect: refuse(/workflow_dispatch inputs/, /as a JSON object/)
  },
  // ---- action inputs ----------------------------------------------------------------------
  ...(
    [
      ['in-autoclose-yes', 'auto-close', 'yes'],
      ['in-autoclose-on', 'auto-close', 'on'],
      ['in-autoclose-one', 'auto-close', '1'],
      ['in-autoclose-y', 'auto-close', 'y'],
      ['in-dryrun-enable', 'dry-run', 'enable'],
      ['in-dryrun-zero', 'dry-run', '0'],
      ['in-dryrun-expression', 'dry-run', '${{ inputs.dry_run }}']
    ] as const
  ).map(([id, name, value]): CorpusCase => ({
    id,
    area: 'input',
    title: `${name}: ${value}`,
    inputs: { [name]: value },
    expect: refuse(new RegExp(`input ${name}\\b`), BOOL_INPUT_FIX)
  })),
  {
    id: 'in-event-unknown',
    area: 'input',
    title: 'event input not a Debussy event',
    inputs: { event: 'deploy' },
    expect: refuse(/input event/, EVENT_FIX)
  },
  {
    id: 'in-plan-traversal',
    area: 'input',
    title: 'plan input ../../etc/passwd',
    inputs: { plan: '../../etc/passwd' },
    expect: refuse(/\bplan\b/, /inside the repository/)
  },
  {
    id: 'in-plan-absolute',
    area: 'input',
    title: 'plan input /etc/passwd',
    inputs: { plan: '/etc/passwd' },
    expect: refuse(/\bplan\b/, PATH_FIX)
  },
  {
    id: 'in-plan-windows',
    area: 'input',
    title: 'plan input C:\\Windows\\win.ini',
    inputs: { plan: 'C:\\Windows\\win.ini' },
    expect: refuse(/\bplan\b/, /Check the path/)
  },
  {
    id: 'in-plan-control',
    area: 'input',
    title: 'plan input with an escape character',
    inputs: { plan: 'docs/\u001bplan.md' },
    expect: refuse(/input plan/, PATH_FIX)
  },
  {
    id: 'in-phase-space',
    area: 'input',
    title: 'phase input with a space',
    inputs: { phase: 'x y' },
    expect: refuse(/input phase/, /Use the id from the plan/)
  },
  {
    id: 'in-phase-bang',
    area: 'input',
    title: 'phase input !',
    inputs: { phase: '!' },
    expect: refuse(/input phase/, /Use the id from the plan/)
  },
  {
    id: 'in-config-traversal',
    area: 'input',
    title: 'config input ../outside.yaml',
    inputs: { config: '../outside.yaml' },
    expect: refuse(/input config/, /inside the repository/)
  },
  {
    id: 'in-config-absolute',
    area: 'input',
    title: 'config input /etc/passwd',
    inputs: { config: '/etc/passwd' },
    expect: refuse(/input config/, PATH_FIX)
  },
  {
    id: 'in-config-directory',
    area: 'input',
    title: 'config input names a directory',
    inputs: { config: 'docs' },
    expect: refuse(/input config/, /Point it at/)
  },
  {
    id: 'in-config-nul',
    area: 'input',
    title: 'config input with NUL',
    inputs: { config: '.debussy/config.yaml\u0000' },
    expect: refuse(/input config/, PATH_FIX)
  },
  {
    id: 'in-token-empty',
    area: 'input',
    title: 'github-token empty',
    inputs: { 'github-token': '' },
    expect: refuse(/input github-token/, /Leave it at its default|pass a token/)
  },
  // ---- config files -----------------------------------------------------------------------
  configCase(
    'cf-syntax',
    'unclosed flow list',
    'github: [unclosed\n',
    /config\.yaml \(line \d+/,
    YAML_FIX
  ),
  configCase('cf-tab', 'tab indentation', 'github:\n\tenabled: true\n', /config\.yaml/, YAML_FIX),
  configCase(
    'cf-bomb',
    'billion laughs',
    `${BOMB}\ngithub:\n  enabled: true\n`,
    /config\.yaml/,
    /anchors and aliases|Write the values out/
  ),
  configCase(
    'cf-bomb-in-labels',
    'alias bomb inside labels',
    `${BOMB}\ngithub:\n  labels:\n    in_progress: *e\n`,
    /config\.yaml/,
    /Write the values out/
  ),
  configCase(
    'cf-duplicate',
    'duplicate key',
    'github:\n  enabled: true\n  enabled: false\n',
    /config\.yaml \(line \d+/,
    /Keep one of the repeated keys/
  ),
  configCase(
    'cf-duplicate-section',
    'duplicate github: section',
    'github:\n  enabled: true\ngithub:\n  dry_run: true\n',
    /config\.yaml \(line \d+/,
    /Keep one of the repeated keys/
  ),
  configCase(
    'cf-multidoc',
    'two YAML documents',
    'github:\n  enabled: true\n---\ngithub:\n  enabled: false\n',
    /config\.yaml/,
    /Remove the "---"/
  ),
  configCase(
    'cf-github-list',
    'github: is a list',
    'github:\n  - enabled: true\n',
    /config\.yaml github\b/,
    /Indent the settings under "github:"/
  ),
  configCase(
    'cf-github-string',
    'github: is a string',
    'github: enabled\n',
    /config\.yaml github\b/,
    /Indent the settings/
  ),
  configCase(
    'cf-github-number',
    'github: is a number',
    'github: 5\n',
    /config\.yaml github\b/,
    /Indent the settings/
  ),
  configCase(
    'cf-top-list',
    'the file is a list',
    '- github\n- enabled\n',
    /config\.yaml/,
    /Write the settings as key: value/
  ),
  configCase(
    'cf-top-scalar',
    'the file is one word',
    'github\n',
    /config\.yaml/,
    /Write the settings as key: value/
  ),
  configCase(
    'cf-enabled-maybe',
    'enabled: maybe',
    'github:\n  enabled: maybe\n',
    /github\.enabled/,
    /Write "enabled: true" or "enabled: false"/
  ),
  configCase(
    'cf-enabled-one',
    'enabled: 1',
    'github:\n  enabled: 1\n',
    /github\.enabled/,
    /Write "enabled: true"/
  ),
  configCase(
    'cf-autoclose-word',
    'auto_close: sometimes',
    'github:\n  auto_close: sometimes\n',
    /github\.auto_close/,
    /Write "auto_close: true"/
  ),
  configCase(
    'cf-create-list',
    'create_labels_if_missing: []',
    'github:\n  create_labels_if_missing: []\n',
    /github\.create_labels_if_missing/,
    /Write "create_labels_if_missing: true"/
  ),
  configCase(
    'cf-dryrun-map',
    'dry_run: {}',
    'github:\n  dry_run: {}\n',
    /github\.dry_run/,
    /Write "dry_run: true"/
  ),
  configCase(
    'cf-labels-list',
    'labels: a list',
    'github:\n  labels:\n    - a\n',
    /github\.labels\b/,
    /Indent in_progress, completed, failed/
  ),
  configCase(
    'cf-label-empty',
    'in_progress: ""',
    'github:\n  labels:\n    in_progress: ""\n',
    /github\.labels\.in_progress/,
    /Write a label name such as/
  ),
  configCase(
    'cf-label-long',
    '51-character label',
    `github:\n  labels:\n    completed: "${'x'.repeat(51)}"\n`,
    /github\.labels\.completed/,
    /Write a label name/
  ),
  configCase(
    'cf-label-control',
    'control character in a label',
    'github:\n  labels:\n    failed: "a\\u0007b"\n',
    /github\.labels\.failed/,
    /Write a label name/
  ),
  configCase(
    'cf-label-same',
    'two states, one label',
    'github:\n  labels:\n    in_progress: "debussy"\n    completed: "debussy"\n',
    /github\.labels\.completed/,
    /Give each of in_progress, completed, failed, validating, awaiting_human and blocked its own label name/
  ),
  configCase(
    'cf-label-new-state-same',
    'a new state labelled like an old one, but for case',
    'github:\n  labels:\n    blocked: "Debussy:Failed"\n',
    /github\.labels\.blocked/,
    /its own label name/
  ),
  configCase(
    'cf-label-two-new-states-same',
    'two new states, one label',
    'github:\n  labels:\n    validating: "waiting"\n    awaiting_human: "waiting"\n',
    /github\.labels\.awaiting_human/,
    /its own label name/
  ),
  configCase(
    'cf-label-case',
    'two states, same label but for case',
    'github:\n  labels:\n    failed: "DEBUSSY:COMPLETED"\n',
    /github\.labels\.failed/,
    /its own label name/
  ),
  configCase(
    'cf-label-number',
    'label name a number',
    'github:\n  labels:\n    completed: 42\n',
    /github\.labels\.completed/,
    /Write a label name/
  ),
  configCase(
    'cf-color-word',
    'color: red',
    'github:\n  labels:\n    color_failed: red\n',
    /github\.labels\.color_failed/,
    /Write 6 hex digits/
  ),
  configCase(
    'cf-color-short',
    'color: #12345',
    'github:\n  labels:\n    color_completed: "#12345"\n',
    /github\.labels\.color_completed/,
    /Write 6 hex digits/
  ),
  configCase(
    'cf-color-comment',
    'unquoted #D93F0B (a comment)',
    'github:\n  labels:\n    color_failed: #D93F0B\n',
    /github\.labels\.color_failed/,
    /in quotes/
  ),
  configCase(
    'cf-color-long',
    'color: 1234567',
    'github:\n  labels:\n    color_in_progress: 1234567\n',
    /github\.labels\.color_in_progress/,
    /Write 6 hex digits/
  ),
  configCase(
    'cf-color-new-state',
    'color_awaiting_human: purple',
    'github:\n  labels:\n    color_awaiting_human: purple\n',
    /github\.labels\.color_awaiting_human/,
    /Write 6 hex digits/
  ),
  configCase(
    'cf-color-nonhex',
    'color: #GGGGGG',
    'github:\n  labels:\n    color_in_progress: "#GGGGGG"\n',
    /github\.labels\.color_in_progress/,
    /Write 6 hex digits/
  ),
  configCase(
    'cf-deep-flow',
    'nested 5 000 deep',
    { prefix: 'github: ', repeat: '[', times: 5_000, suffix: ']'.repeat(5_000) },
    /config\.yaml/,
    YAML_FIX
  ),
  configCase(
    'cf-deep-map',
    'mappings nested 3 000 deep',
    { prefix: 'github: ', repeat: '{a: ', times: 3_000, suffix: `1${'}'.repeat(3_000)}` },
    /config\.yaml/,
    YAML_FIX
  ),
  configCase(
    'cf-binary',
    'a binary config',
    { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00] },
    /input config/,
    /Point it at a UTF-8 text file/
  ),
  configCase(
    'cf-huge',
    'a 1.1 MB config',
    { prefix: 'github:\n  enabled: true\n# ', repeat: 'x', times: 1_100_000 },
    /input config/,
    /Point it at/
  ),
  configCase(
    'cf-js-tag',
    '!!js/function tag',
    'github: !!js/function "function () { return 1 }"\n',
    /config\.yaml/,
    /Indent the settings|Fix the YAML/
  ),
  configCase(
    'cf-project-url',
    'project url: a repository, not a project',
    'github:\n  project:\n    url: https://github.com/acme/payments\n',
    /github\.project\.url/,
    /Copy the project's URL from the browser/
  ),
  configCase(
    'cf-project-state',
    'project values: a state that does not exist',
    'github:\n  project:\n    url: https://github.com/orgs/acme/projects/1\n    values:\n      in_progress: Doing\n',
    /github\.project\.values/,
    /the states are in-progress, completed/
  ),
  configCase(
    'cf-timestamp',
    'enabled: a date',
    'github:\n  enabled: 2001-12-14\n',
    /github\.enabled/,
    /Write "enabled: true"/
  ),
  {
    id: 'cf-directory',
    area: 'config',
    title: 'the config path is a directory',
    files: { [`${CONFIG_PATH}/inner.yaml`]: 'github: {}\n' },
    expect: refuse(/input config/, /Point it at/)
  },
  {
    id: 'cf-symlink-out',
    area: 'config',
    title: 'the config is a symlink out of the workspace',
    symlinks: { [CONFIG_PATH]: '$OUTSIDE/secret.yaml' },
    expect: refuse(/input config/, /Point it at a file inside/)
  },
  {
    id: 'cf-symlink-etc',
    area: 'config',
    title: 'the config is a symlink to /etc/passwd',
    symlinks: { [CONFIG_PATH]: '/etc/passwd' },
    expect: refuse(/input config/, /Point it at a file inside/)
  },
  // ---- plan files -------------------------------------------------------------------------
  planCase(
    'pl-front-syntax',
    'frontmatter is not YAML',
    front('github_issues: [#1, "#2"\n  bad: : :'),
    /plan frontmatter/,
    YAML_FIX
  ),
  planCase(
    'pl-front-js',
    'JavaScript frontmatter (gray-matter would eval it)',
    '---js\n{ github_issues: (function(){ require("child_process").execSync("touch /tmp/pwned"); return ["#1"] })() }\n---\n# Plan\n',
    /plan frontmatter \(line 1\)/,
    /write the frontmatter in YAML/
  ),
  planCase(
    'pl-front-coffee',
    'CoffeeScript frontmatter',
    '---coffee\ngithub_issues: ["#1"]\n---\n# Plan\n',
    /plan frontmatter \(line 1\)/,
    /write the frontmatter in YAML/
  ),
  planCase(
    'pl-front-unclosed',
    'frontmatter never closed',
    '---\ngithub_issues: ["#1"]\n# Plan\n',
    /plan frontmatter \(line 1\)/,
    /Add a line ---/
  ),
  planCase(
    'pl-front-huge',
    'frontmatter of 20 000 characters',
    {
      prefix: '---\ngithub_issues: ["#1"]\n',
      repeat: '# padding line\n',
      times: 1_400,
      suffix: '---\n# Plan\n'
    },
    /plan frontmatter/,
    /Keep only the plan keys/
  ),
  planCase(
    'pl-front-bomb',
    'alias bomb in the frontmatter',
    front(`${BOMB}\ngithub_issues: ["#1"]`),
    /plan frontmatter/,
    /Write the values out/
  ),
  planCase(
    'pl-front-duplicate',
    'github_issues twice',
    front('github_issues: ["#1"]\ngithub_issues: ["#2"]'),
    /plan frontmatter \(line \d+\)/,
    /Write each key once/
  ),
  planCase(
    'pl-front-list',
    'frontmatter is a list',
    front('- github_issues\n- "#1"'),
    /plan frontmatter/,
    /key: value lines/
  ),
  planCase(
    'pl-front-deep',
    'frontmatter nested 5 000 deep',
    {
      prefix: '---\ngithub_issues: ',
      repeat: '[',
      times: 5_000,
      suffix: `${']'.repeat(5_000)}\n---\n# Plan\n`
    },
    /plan frontmatter/,
    YAML_FIX
  ),
  planCase(
    'pl-issues-map',
    'github_issues: a mapping',
    front('github_issues: {a: 1}'),
    ISSUES_FIELD,
    REF_FIX
  ),
  planCase(
    'pl-issues-bool',
    'github_issues: true',
    front('github_issues: true'),
    ISSUES_FIELD,
    REF_FIX
  ),
  planCase(
    'pl-issues-empty-list',
    'github_issues: []',
    front('github_issues: []'),
    ISSUES_FIELD,
    /List the issues|remove the key/
  ),
  planCase(
    'pl-issues-comment',
    'github_issues: # 10 (a comment, reads as null)',
    front('github_issues: # 10'),
    ISSUES_FIELD,
    /List the issues|remove the key/
  ),
  planCase(
    'pl-issues-zero',
    '#0',
    front('github_issues: ["#0"]'),
    ISSUES_FIELD,
    /Issue numbers run from 1/
  ),
  planCase(
    'pl-issues-huge',
    '#99999999999',
    front('github_issues: ["#99999999999"]'),
    ISSUES_FIELD,
    /Issue numbers run from 1/
  ),
  planCase(
    'pl-issues-int32',
    '#2147483648 (2^31)',
    front('github_issues: ["#2147483648"]'),
    ISSUES_FIELD,
    /Issue numbers run from 1/
  ),
  planCase(
    'pl-issues-40-digits',
    'a 40-digit number',
    front(`github_issues: ["#${'9'.repeat(40)}"]`),
    ISSUES_FIELD,
    /Issue numbers run from 1/
  ),
  planCase(
    'pl-issues-negative',
    'number -1',
    front('github_issues: [-1]'),
    ISSUES_FIELD,
    /whole numbers from 1/
  ),
  planCase(
    'pl-issues-fraction',
    'number 3.5',
    front('github_issues: [3.5]'),
    ISSUES_FIELD,
    /whole numbers from 1/
  ),
  planCase(
    'pl-issues-exponent',
    'number 1e10',
    front('github_issues: [1e10]'),
    ISSUES_FIELD,
    /whole numbers from 1/
  ),
  planCase('pl-issues-word', 'a word', front('github_issues: ["foo"]'), ISSUES_FIELD, REF_FIX),
  planCase(
    'pl-issues-gitlab',
    'a GitLab URL',
    front('github_issues: ["https://gitlab.com/acme/payments/issues/1"]'),
    ISSUES_FIELD,
    /Link issues on github\.com/
  ),
  planCase(
    'pl-issues-lookalike',
    'a look-alike host',
    front('github_issues: ["https://github.com.evil.example/acme/payments/issues/1"]'),
    ISSUES_FIELD,
    /Link issues on github\.com/
  ),
  planCase(
    'pl-issues-loopback',
    'a loopback URL',
    front('github_issues: ["http://127.0.0.1:8080/acme/payments/issues/1"]'),
    ISSUES_FIELD,
    /Link issues on github\.com/
  ),
  planCase(
    'pl-issues-credentials',
    'a URL with credentials',
    front('github_issues: ["https://user:hunter2@github.com/acme/payments/issues/1"]'),
    ISSUES_FIELD,
    /without credentials/
  ),
  planCase(
    'pl-issues-javascript',
    'a javascript: URL',
    front('github_issues: ["javascript:alert(1)"]'),
    ISSUES_FIELD,
    REF_FIX
  ),
  planCase(
    'pl-issues-three-parts',
    'a/b/c#1',
    front('github_issues: ["a/b/c#1"]'),
    ISSUES_FIELD,
    /owner\/repo#10/
  ),
  planCase(
    'pl-issues-bad-owner',
    'owner starting with a hyphen',
    front('github_issues: ["-acme/payments#1"]'),
    ISSUES_FIELD,
    /owner\/repo#10/
  ),
  planCase(
    'pl-issues-dotdot-repo',
    'repository ..',
    front('github_issues: ["acme/..#1"]'),
    ISSUES_FIELD,
    /owner\/repo#10/
  ),
  planCase(
    'pl-issues-mention',
    'a mention',
    front('github_issues: ["@octocat"]'),
    ISSUES_FIELD,
    REF_FIX
  ),
  planCase(
    'pl-issues-milestone-url',
    'a milestone URL',
    front('github_issues: ["https://github.com/acme/payments/milestone/1"]'),
    ISSUES_FIELD,
    REF_FIX
  ),
  planCase(
    'pl-issues-null-item',
    'a null item (unquoted #10 in a block list)',
    front('github_issues:\n  - "#1"\n  -\n'),
    ISSUES_FIELD,
    /Quote each ref/
  ),
  planCase(
    'pl-repo-bad',
    'github_repo: not a repo',
    front('github_repo: not a repo\ngithub_issues: ["#1"]'),
    /plan github_repo/,
    /owner\/repo/
  ),
  planCase(
    'pl-repo-three',
    'github_repo: a/b/c',
    front('github_repo: a/b/c\ngithub_issues: ["#1"]'),
    /plan github_repo/,
    /owner\/repo/
  ),
  planCase(
    'pl-repo-number',
    'github_repo: 5',
    front('github_repo: 5\ngithub_issues: ["#1"]'),
    /plan github_repo/,
    /owner\/repo/
  ),
  planCase(
    'pl-repo-list',
    'github_repo: a list',
    front('github_repo: [acme/payments]\ngithub_issues: ["#1"]'),
    /plan github_repo/,
    /owner\/repo/
  ),
  planCase(
    'pl-repo-traversal',
    'github_repo: ../etc',
    front('github_repo: ../etc\ngithub_issues: ["#1"]'),
    /plan github_repo/,
    /owner\/repo/
  ),
  planCase(
    'pl-repo-url',
    'github_repo: a URL',
    front('github_repo: https://github.com/acme/payments\ngithub_issues: ["#1"]'),
    /plan github_repo/,
    /owner\/repo/
  ),
  planCase(
    'pl-milestone-list',
    'github_milestone: a list',
    front('github_issues: ["#1"]\ngithub_milestone: [1]'),
    /plan github_milestone/,
    /github_milestone: 3/
  ),
  planCase(
    'pl-milestone-bool',
    'github_milestone: true',
    front('github_issues: ["#1"]\ngithub_milestone: true'),
    /plan github_milestone/,
    /github_milestone: 3/
  ),
  planCase(
    'pl-milestone-negative',
    'github_milestone: -1',
    front('github_issues: ["#1"]\ngithub_milestone: -1'),
    /plan github_milestone/,
    /github_milestone: 3/
  ),
  planCase(
    'pl-milestone-zero',
    'github_milestone: 0',
    front('github_issues: ["#1"]\ngithub_milestone: 0'),
    /plan github_milestone/,
    /github_milestone: 3/
  ),
  planCase(
    'pl-milestone-fraction',
    'github_milestone: 1.5',
    front('github_issues: ["#1"]\ngithub_milestone: 1.5'),
    /plan github_milestone/,
    /github_milestone: 3/
  ),
  planCase(
    'pl-milestone-hash-zero',
    'github_milestone: "#0"',
    front('github_issues: ["#1"]\ngithub_milestone: "#0"'),
    /plan github_milestone/,
    /github_milestone: 3/
  ),
  planCase(
    'pl-milestone-comment',
    'github_milestone: #3 (a comment)',
    front('github_issues: ["#1"]\ngithub_milestone: #3'),
    /plan github_milestone/,
    /github_milestone: 3/
  ),
  planCase(
    'pl-body-issues-word',
    '**GitHub Issues:** #1, abc (a word among refs)',
    '# Plan\n\n**GitHub Issues:** #1, abc\n',
    /GitHub Issues:\*\*" line \d+/,
    REF_FIX
  ),
  planCase(
    'pl-body-issues-zero',
    '**GitHub Issues:** #0',
    '# Plan\n\n**GitHub Issues:** #0\n',
    /GitHub Issues:\*\*" line \d+/,
    /Issue numbers run from 1/
  ),
  planCase(
    'pl-body-issues-other-host',
    '**GitHub Issues:** a GitLab link',
    '# Plan\n\n**GitHub Issues:** [#1](https://gitlab.com/a/b/issues/1)\n',
    /GitHub Issues:\*\*" line \d+/,
    /Link issues on github\.com/
  ),
  planCase(
    'pl-body-repo-bad',
    '**GitHub Repo:** not/a/re/po',
    '# Plan\n\n**GitHub Issues:** #1\n**GitHub Repo:** not/a/re/po\n',
    /GitHub Repo:\*\*" line \d+/,
    /owner\/repo/
  ),
  planCase(
    'pl-binary',
    'a binary plan',
    { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x00, 0x0a, 0xff] },
    /\bplan\b/,
    /Point it at a UTF-8 text file/
  ),
  planCase(
    'pl-huge',
    'a 1.1 MB plan',
    { prefix: '# Plan\n\n**GitHub Issues:** #1\n\n', repeat: 'lorem ipsum ', times: 100_000 },
    /\bplan\b/,
    /Point it at the plan/
  ),
  {
    id: 'pl-symlink-out',
    area: 'plan',
    title: 'the plan is a symlink out of the workspace',
    symlinks: { [PLAN_PATH]: '$OUTSIDE/secret.md' },
    expect: refuse(/\bplan\b/, /Point it at a file inside/)
  },
  {
    id: 'pl-symlink-etc',
    area: 'plan',
    title: 'the plan is a symlink to /etc/passwd',
    symlinks: { [PLAN_PATH]: '/etc/passwd' },
    expect: refuse(/\bplan\b/, /Point it at a file inside/)
  },
  {
    id: 'pl-symlink-dir-out',
    area: 'plan',
    title: 'a directory on the plan path is a symlink out',
    payload: { plan: 'docs/linked/MASTER_PLAN.md' },
    symlinks: { 'docs/linked': '$OUTSIDE' },
    expect: refuse(/\bplan\b/, /Point it at a file inside/)
  },
  {
    id: 'pl-symlink-loop',
    area: 'plan',
    title: 'a symlink loop',
    payload: { plan: 'docs/loop.md' },
    symlinks: { 'docs/loop.md': 'loop2.md', 'docs/loop2.md': 'loop.md' },
    expect: refuse(/\bplan\b/, /Check the path|Point it at/)
  },
  // ---- accepted: hostile text that must come out inert, and tolerated oddities ----------
  {
    id: 'ok-mentions-injection',
    area: 'plan',
    title: 'mentions, HTML and markdown injection in the plan title and phases (accepted, inert)',
    payload: { event: 'plan_completed', auto_close: true },
    omit: ['phase'],
    files: {
      [PLAN_PATH]: [
        HOSTILE_TITLE,
        '',
        '**GitHub Issues:** #1, #2',
        '**GitHub Repo:** acme/payments',
        '',
        '## Phases',
        '',
        '| Phase | Title | Status |',
        '|---|---|---|',
        '| 1 | [@octocat <b>x</b>](phase-1.md) | Pending |',
        '| @everyone | [dup](javascript:alert(1)) | Pending |',
        '| @everyone | second row <img src=x> | Pending |',
        ''
      ].join('\n')
    },
    expect: { refused: false, inert: true }
  },
  {
    id: 'ok-mentions-path',
    area: 'client_payload',
    title: 'a mention in the plan path (accepted, inert)',
    payload: { plan: 'docs/@octocat/<img src=x>|plan.md' },
    files: { 'docs/@octocat/<img src=x>|plan.md': '# Plan\n\n**GitHub Issues:** #1\n' },
    expect: { refused: false, inert: true }
  },
  {
    id: 'ok-unknown-keys',
    area: 'client_payload',
    title: 'unknown keys are ignored with a warning naming each',
    payload: { planpath: 'x', '<script>': 1, extra: { deep: [1, 2, 3] } },
    expect: { refused: false, warning: /keys the action does not know are ignored: .*planpath/ }
  },
  {
    id: 'ok-yes',
    area: 'config',
    title: 'enabled: yes (YAML 1.1, as Debussy reads it)',
    files: { [CONFIG_PATH]: 'github:\n  enabled: yes\n' },
    expect: { refused: false }
  },
  {
    id: 'ok-other-repo-skipped',
    area: 'plan',
    title: 'a ref to a repository nobody listed is skipped with a warning naming it',
    files: { [PLAN_PATH]: front("github_issues: ['#1', 'evil/target#5']") },
    expect: { refused: false, warning: /Skipped evil\/target#5: .*github\.repositories/ }
  },
  {
    id: 'cfg-max-issues-exceeded',
    area: 'config',
    title: 'the plan links more issues than github.max_issues',
    files: { [CONFIG_PATH]: 'github:\n  max_issues: 2\n' },
    expect: refuse(/\bplan\b/, /raise github\.max_issues in \.debussy\/config\.yaml to 3/)
  },
  {
    id: 'cfg-max-issues-zero',
    area: 'config',
    title: 'max_issues: 0',
    files: { [CONFIG_PATH]: 'github:\n  max_issues: 0\n' },
    expect: refuse(/github\.max_issues/, /Write "max_issues: 500"/)
  },
  {
    id: 'cfg-repositories-not-owner-repo',
    area: 'config',
    title: 'repositories: [billing-service] (not owner/repo)',
    files: { [CONFIG_PATH]: 'github:\n  repositories: [billing-service]\n' },
    expect: refuse(/github\.repositories/, /Write each as owner\/repo/)
  },
  {
    id: 'ok-seed-format',
    area: 'plan',
    title: 'the seed format github_issues: [#1, #2] (invalid YAML, read as meant)',
    files: { [PLAN_PATH]: front('github_issues: [#1, #2]') },
    expect: { refused: false }
  },
  {
    id: 'ok-body-issues-no-ref',
    area: 'plan',
    title: '**GitHub Issues:** abc (no ref at all: a warning that quotes the line, SPEC §4)',
    files: { [PLAN_PATH]: '# Plan\n\n**GitHub Issues:** abc\n' },
    expect: {
      refused: false,
      warning: /line 3: "\*\*GitHub Issues:\*\* abc" looks like an issue list/
    }
  },
  {
    id: 'ok-symlink-inside',
    area: 'plan',
    title: 'a symlink that stays inside the workspace',
    payload: { plan: 'docs/current.md' },
    symlinks: { 'docs/current.md': 'plans/payments-retry/MASTER_PLAN.md' },
    expect: { refused: false }
  },
  {
    id: 'ok-dot-slash',
    area: 'client_payload',
    title: 'a ./ path',
    payload: { plan: `./${PLAN_PATH}` },
    expect: { refused: false }
  },
  {
    id: 'ok-unknown-phase',
    area: 'client_payload',
    title: 'a phase not in the table: a warning, labels still applied',
    payload: { phase: '9' },
    expect: { refused: false, warning: /Phase 9 is not in the Phases table/ }
  }
]
