import { isMap, isScalar, type Document } from 'yaml'
import { z } from 'zod'
import type { Finding, SyncConfig } from './domain.js'
import {
  InputError,
  NO_CONTROL_CHARACTERS,
  closestName,
  describeValue,
  fromIssues,
  isPlainObject,
  printable
} from './errors.js'
import { field, fieldDocsOf } from './fields.js'
import { MAX_ISSUE_NUMBER, parseRepo } from './issue-ref.js'
import { projectConfigSchema, toProjectSetting } from './project-status.js'
import { readWorkspaceFile } from './workspace-file.js'
import { MAX_ALIAS_COUNT, parseYamlText, type YamlProblem } from './yaml-text.js'

const MAX_LABEL_LENGTH = 50
const MAX_ISSUES = 500
/** An issue ref's form: `5`, `#5`, `gh#5`, `owner/repo#5` or an issue URL (checked fully when resolved). */
const PARENT_REF = /^(?:(?:gh|github)?#?\d{1,10}|[^\s/#]+\/[^\s/#]+#\d{1,10}|https?:\/\/\S+)$/i

function booleanField(key: string, description: string, fallback: boolean) {
  return field(z.boolean().default(fallback), {
    description,
    expected: 'true or false',
    example: !fallback,
    fix: `Write "${key}: true" or "${key}: false"`
  })
}

function labelName(fallback: string, state: string) {
  return field(
    z
      .string()
      .trim()
      .min(1)
      .regex(NO_CONTROL_CHARACTERS)
      // GitHub counts characters, not UTF-16 units: an emoji is one.
      .refine((name) => [...name].length <= MAX_LABEL_LENGTH)
      .default(fallback),
    {
      description: `Name of the label that marks an issue ${state} (at most ${MAX_LABEL_LENGTH} characters).`,
      expected: `a label name of 1 to ${MAX_LABEL_LENGTH} characters without control characters`,
      example: fallback,
      fix: `Write a label name such as "${fallback}"`
    }
  )
}

function labelColor(fallback: string, state: string) {
  return field(
    z
      .string()
      .regex(/^#?[0-9A-Fa-f]{6}$/)
      // The default before the transform, so that a JSON Schema of the input shows it.
      .default(fallback)
      .transform((color) => color.replace(/^#/, '').toUpperCase()),
    {
      description: `Color of the ${state} label, used only when the action creates it: 6 hex digits, optionally after a "#".`,
      expected: '6 hex digits',
      example: fallback,
      fix: `Write 6 hex digits such as "${fallback}"`
    }
  )
}

const labelsSchema = z.object({
  in_progress: labelName('debussy:in-progress', 'in progress'),
  completed: labelName('debussy:completed', 'completed'),
  failed: labelName('debussy:failed', 'failed'),
  validating: labelName('debussy:validating', 'validating'),
  awaiting_human: labelName('debussy:awaiting-human', 'awaiting a person'),
  blocked: labelName('debussy:blocked', 'blocked'),
  color_in_progress: labelColor('1D76DB', 'in-progress'),
  color_completed: labelColor('0E8A16', 'completed'),
  color_failed: labelColor('D93F0B', 'failed'),
  color_validating: labelColor('FBCA04', 'validating'),
  color_awaiting_human: labelColor('D876E3', 'awaiting-human'),
  color_blocked: labelColor('B60205', 'blocked')
})

/** The `github:` section of `.debussy/config.yaml`: each key declared once, with its help text. */
export const githubConfigSchema = z
  .object({
    enabled: booleanField(
      'enabled',
      "Debussy's own in-process sync (debussy init writes false), not the action's switch: the action syncs either way; true warns that two writers touch the same issues.",
      // Debussy's own in-process sync, off as `debussy init` writes it; the action does not act on it.
      false
    ),
    auto_close: booleanField(
      'auto_close',
      'Close the linked issues when the plan completes with every phase done, unless the payload or the auto-close input says otherwise (the lowest-precedence source).',
      false
    ),
    create_labels_if_missing: booleanField(
      'create_labels_if_missing',
      'Create a missing state label with its color; false: a missing state label is not created and not applied, with one warning per repository.',
      true
    ),
    dry_run: booleanField(
      'dry_run',
      'Preview only: every run reads, and lists the writes that would be made.',
      false
    ),
    status_comment: booleanField(
      'status_comment',
      'Keep one status comment on each linked issue (each phase and its state, progress, run, workflow link), edited in place when what it says changes.',
      false
    ),
    // Parsed from {}, so that each label key takes its own default.
    labels: field(labelsSchema.prefault({}), {
      description: 'The six state labels: names (distinct, compared without case) and colors.',
      expected: 'a mapping of label names and colors',
      fix: 'Indent in_progress, completed, failed, validating, awaiting_human, blocked and the color_ keys under "labels:"'
    }),
    repositories: field(
      z
        .array(
          z
            .string()
            .regex(/^\s*[^/\s]+\/[^/\s]+\s*$/)
            // GitHub's naming rules, as for every other owner/repo the action reads.
            .transform((text, ctx) => {
              try {
                return parseRepo(text, 'github.repositories')
              } catch {
                ctx.addIssue({ code: 'custom', message: 'not owner/repo', input: text })
                return z.NEVER
              }
            })
        )
        // Parsed from [], so that the JSON Schema of the input shows the default.
        .prefault([]),
      {
        description:
          "Repositories the action may write to besides the workflow's own and the plan's github_repo, as owner/repo. A linked issue elsewhere is skipped with a warning.",
        expected: 'a list of repositories written owner/repo',
        example: 'acme/billing-service',
        fix: 'Write each as owner/repo, such as "acme/billing-service", in a list: repositories: [acme/billing-service]'
      }
    ),
    max_issues: field(z.int().min(1).default(MAX_ISSUES), {
      description:
        'At most this many linked issues: a plan that links more fails the step before any request.',
      expected: 'a whole number of at least 1',
      example: MAX_ISSUES,
      fix: `Write "max_issues: ${MAX_ISSUES}" or another whole number, without quotes`
    }),
    project: field(projectConfigSchema.optional(), {
      description:
        'GitHub Projects Status: add each linked issue to this project and set its single-select field from the state (token: the project-token input); off when absent.',
      expected: 'a mapping with url, field and values',
      fix: 'Indent url, field and values under "project:", such as "  url: https://github.com/orgs/acme/projects/3"'
    }),
    parent_issue: field(
      z
        .union([
          z.int().min(1).max(MAX_ISSUE_NUMBER),
          // The form only: the ref is resolved against the plan's repository (src/sub-issues.ts).
          z.string().trim().regex(PARENT_REF)
        ])
        .optional(),
      {
        description:
          "The plan's issue: linked issues become its sub-issues (once; a parent a person chose is kept); gets the state label, closes with them. Plan's github_parent wins.",
        expected: 'an issue number or ref such as 5, "#5" or "acme/payments#5"',
        example: 5,
        fix: 'Write parent_issue: 5, or a ref such as "#5" or "acme/payments#5"'
      }
    )
  })
  .describe("The github: section of Debussy's .debussy/config.yaml, as the action reads it.")

/**
 * The section as the action uses it: defaults applied, names in camelCase.
 * Its output type is `SyncConfig`.
 */
export const syncConfigSchema = githubConfigSchema.transform((section) => ({
  enabled: section.enabled,
  autoClose: section.auto_close,
  createLabelsIfMissing: section.create_labels_if_missing,
  dryRun: section.dry_run,
  statusComment: section.status_comment,
  labels: {
    inProgress: section.labels.in_progress,
    completed: section.labels.completed,
    failed: section.labels.failed,
    validating: section.labels.validating,
    awaitingHuman: section.labels.awaiting_human,
    blocked: section.labels.blocked
  },
  colors: {
    inProgress: section.labels.color_in_progress,
    completed: section.labels.color_completed,
    failed: section.labels.color_failed,
    validating: section.labels.color_validating,
    awaitingHuman: section.labels.color_awaiting_human,
    blocked: section.labels.color_blocked
  },
  repositories: section.repositories,
  maxIssues: section.max_issues,
  project: toProjectSetting(section.project),
  parentIssue: section.parent_issue
}))

/** The `github:` section Debussy writes by default (each key's declared default); a missing file means these. */
export const DEFAULT_CONFIG: SyncConfig = deepFreeze(syncConfigSchema.parse({}))

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object)
  }
  return Object.freeze(value)
}

type GithubKey = keyof typeof githubConfigSchema.shape
type LabelsKey = keyof typeof labelsSchema.shape
const GITHUB_KEYS = Object.keys(githubConfigSchema.shape) as GithubKey[]
const LABELS_KEYS = Object.keys(labelsSchema.shape) as LabelsKey[]
const PROJECT_KEYS = Object.keys(projectConfigSchema.shape)
const CONFIG_DOCS = new Map([
  ...fieldDocsOf(githubConfigSchema.shape),
  ...fieldDocsOf(labelsSchema.shape),
  ...fieldDocsOf(projectConfigSchema.shape)
])

/**
 * Reads the config file named relative to the workspace. A missing file means
 * the defaults, quietly: the workflow itself is the opt-in.
 */
export async function loadConfig(
  workspace: string,
  relativePath: string,
  field: string
): Promise<{ config: SyncConfig; findings: Finding[] }> {
  const text = await readWorkspaceFile(workspace, relativePath, field)
  if (text === undefined) return { config: DEFAULT_CONFIG, findings: [] }
  return parseConfig(text, relativePath)
}

/**
 * Parses the text of `.debussy/config.yaml`; `source` names the file in messages.
 * Throws {@link InputError} naming the key and the expected form.
 */
export function parseConfig(
  text: string,
  source: string
): { config: SyncConfig; findings: Finding[] } {
  const root = readYaml(text, source)
  if (root === undefined || root === null) return { config: DEFAULT_CONFIG, findings: [] }
  if (!isPlainObject(root)) {
    throw new InputError(
      source,
      `is ${describeValue(root)}, not a mapping of keys`,
      'Write the settings as key: value lines, with the action\'s under "github:"'
    )
  }

  const findings: Finding[] = []
  for (const key of Object.keys(root)) {
    // Only `github` is read; a differently cased one would otherwise be dropped unnoticed.
    if (key !== 'github' && key.toLowerCase() === 'github') {
      findings.push(unknownKey(source, printable(key, 40), 'github'))
    }
  }
  const section = root.github
  if (section === undefined || section === null) return { config: DEFAULT_CONFIG, findings }
  if (!isPlainObject(section)) {
    throw new InputError(
      `${source} github`,
      `is ${describeValue(section)}, not a mapping`,
      'Indent the settings under "github:", such as "  enabled: false"'
    )
  }
  // An empty `labels:` is null in YAML: it means "the default labels", like an absent one.
  const raw: Record<string, unknown> = { ...section }
  if (raw.labels === null) delete raw.labels
  if (raw.repositories === null) delete raw.repositories
  if (raw.project === null) delete raw.project

  findings.push(...unknownKeys(source, 'github', raw, GITHUB_KEYS))
  if (isPlainObject(raw.labels)) {
    findings.push(...unknownKeys(source, 'github.labels', raw.labels, LABELS_KEYS))
  }
  if (isPlainObject(raw.project)) {
    findings.push(...unknownKeys(source, 'github.project', raw.project, PROJECT_KEYS))
  }

  const parsed = syncConfigSchema.safeParse(raw)
  if (!parsed.success) {
    throw fromIssues(parsed.error.issues, raw, {
      // A key is `labels.<name>` or a top-level one; an index into a list names its item's value.
      keyDepth: (path) => (path[0] === 'labels' || path[0] === 'project' ? 2 : 1),
      field: (key) => `${source} github.${key}`,
      also: (key) => `github.${key}`,
      form: configForm,
      words: { object: 'a mapping' }
    })
  }
  const config = parsed.data
  const { labels } = config
  checkDistinct(
    {
      in_progress: labels.inProgress,
      completed: labels.completed,
      failed: labels.failed,
      validating: labels.validating,
      awaiting_human: labels.awaitingHuman,
      blocked: labels.blocked
    },
    source
  )
  if (config.enabled) findings.push(twoWriters(source))
  return { config, findings }
}

/** The document as plain data, read as YAML 1.1 as Debussy (PyYAML) reads the same file. */
function readYaml(text: string, source: string): unknown {
  return parseYamlText(text, 'config', (problem) => yamlError(problem, source), keepColorDigits)
    .value
}

function yamlError(problem: YamlProblem, source: string): InputError {
  if (problem.kind !== 'syntax') {
    return new InputError(
      source,
      problem.kind === 'aliases'
        ? `expands more than ${MAX_ALIAS_COUNT} YAML aliases, which looks like an alias bomb`
        : `cannot be read as YAML: ${printable(problem.message)}`,
      'Write the values out instead of through YAML anchors and aliases'
    )
  }
  const [message, fix] =
    problem.code === 'DUPLICATE_KEY'
      ? ['a key is repeated', 'Keep one of the repeated keys: YAML does not say which one wins']
      : problem.code === 'MULTIPLE_DOCS'
        ? ['holds more than one YAML document', 'Remove the "---" line that starts a second one']
        : [printable(problem.message), 'Fix the YAML at that line']
  return new InputError(
    problem.line === undefined
      ? source
      : `${source} (line ${problem.line}, column ${problem.column ?? 1})`,
    message,
    fix
  )
}

/**
 * An unquoted color of digits (`123456`, `0E8123`, `001122`) is a number to
 * YAML; the user meant the digits as written, so those keep their source text.
 */
function keepColorDigits(doc: Document): void {
  const labels = doc.getIn(['github', 'labels'], true)
  if (!isMap(labels)) return
  for (const item of labels.items) {
    const value = item.value
    if (
      isScalar(item.key) &&
      String(item.key.value).startsWith('color_') &&
      isScalar(value) &&
      typeof value.value === 'number' &&
      value.type === 'PLAIN' &&
      value.source !== undefined
    ) {
      value.value = value.source
    }
  }
}

/**
 * `enabled` switches Debussy's built-in sync, which writes to the same issues
 * from the orchestrator's process; with the action running too, each event is
 * applied twice, by two writers that do not see each other's order.
 */
function twoWriters(source: string): Finding {
  return {
    level: 'warning',
    message: `${source}: github.enabled is true, so Debussy's own in-process sync also writes to these issues (two writers: labels and the milestone may flip between them). This action does the sync whatever the value; set github.enabled: false to leave it to the action and the watcher.`
  }
}

function unknownKeys(
  source: string,
  section: string,
  raw: Record<string, unknown>,
  known: readonly string[]
): Finding[] {
  return Object.keys(raw)
    .filter((key) => !known.includes(key))
    .map((key) => unknownKey(source, `${section}.${printable(key, 40)}`, closestName(key, known)))
}

function unknownKey(source: string, key: string, meant: string | undefined): Finding {
  return {
    level: 'warning',
    message: `${source}: ${key} is not a setting the action knows, so it is ignored${
      meant === undefined ? '' : ` (did you mean ${meant}?)`
    }`
  }
}

const STATE_KEYS = [
  'in_progress',
  'completed',
  'failed',
  'validating',
  'awaiting_human',
  'blocked'
] as const

function checkDistinct(labels: Record<(typeof STATE_KEYS)[number], string>, source: string): void {
  const states = STATE_KEYS
  states.forEach((state, index) => {
    const earlier = states
      .slice(0, index)
      .find((other) => labels[other].toLowerCase() === labels[state].toLowerCase())
    if (earlier !== undefined) {
      throw new InputError(
        `${source} github.labels.${state}`,
        `"${printable(labels[state])}" is also the ${earlier} label (GitHub compares label names without case)`,
        'Give each of in_progress, completed, failed, validating, awaiting_human and blocked its own label name'
      )
    }
  })
}

/** The expected form and the fix of a key, from its declaration. */
function configForm(key: string, value: unknown): { expected: string; fix: string } {
  const doc = CONFIG_DOCS.get(key)
  // `color_failed: #D93F0B` unquoted is a comment to YAML, which leaves null.
  const hint =
    value === null && (key.startsWith('color_') || key === 'parent_issue')
      ? ' in quotes (unquoted, YAML reads "#" as the start of a comment)'
      : ''
  return { expected: doc?.expected ?? 'a valid value', fix: `${doc?.fix ?? ''}${hint}` }
}
