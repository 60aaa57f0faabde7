import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml'
import { z } from 'zod'
import type { Finding, SyncConfig } from './domain.js'
import { InputError, describeValue, isPlainObject, printable } from './errors.js'
import { parseRepo } from './issue-ref.js'
import { readWorkspaceFile } from './workspace-file.js'

/** The `github:` section Debussy writes by default; a missing file means these. */
export const DEFAULT_CONFIG: SyncConfig = Object.freeze({
  // Debussy's own in-process sync, off as `debussy init` writes it; the action does not act on it.
  enabled: false,
  autoClose: false,
  createLabelsIfMissing: true,
  dryRun: false,
  labels: Object.freeze({
    inProgress: 'debussy:in-progress',
    completed: 'debussy:completed',
    failed: 'debussy:failed'
  }),
  colors: Object.freeze({ inProgress: '1D76DB', completed: '0E8A16', failed: 'D93F0B' }),
  repositories: Object.freeze([]),
  maxIssues: 500
})

/** A config has no use for aliases beyond a few; more is an expansion bomb. */
const MAX_ALIAS_COUNT = 20
const MAX_LABEL_LENGTH = 50
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/

function labelName(fallback: string, state: string) {
  return (
    z
      .string()
      .trim()
      .min(1)
      .regex(NO_CONTROL_CHARACTERS)
      // GitHub counts characters, not UTF-16 units: an emoji is one.
      .refine((name) => [...name].length <= MAX_LABEL_LENGTH)
      .default(fallback)
      .describe(`Name of the label that marks an issue ${state} (at most 50 characters).`)
  )
}

function labelColor(fallback: string, state: string) {
  return (
    z
      .string()
      .regex(/^#?[0-9A-Fa-f]{6}$/)
      // The default before the transform, so that a JSON Schema of the input shows it.
      .default(fallback)
      .transform((color) => color.replace(/^#/, '').toUpperCase())
      .describe(
        `Color of the ${state} label when the action creates it: 6 hex digits such as "${fallback}".`
      )
  )
}

const labelsSchema = z
  .object({
    in_progress: labelName(DEFAULT_CONFIG.labels.inProgress, 'in progress'),
    completed: labelName(DEFAULT_CONFIG.labels.completed, 'completed'),
    failed: labelName(DEFAULT_CONFIG.labels.failed, 'failed'),
    color_in_progress: labelColor(DEFAULT_CONFIG.colors.inProgress, 'in-progress'),
    color_completed: labelColor(DEFAULT_CONFIG.colors.completed, 'completed'),
    color_failed: labelColor(DEFAULT_CONFIG.colors.failed, 'failed')
  })
  .describe('The three state labels: names (distinct, compared without case) and colors.')

/** The `github:` section of `.debussy/config.yaml`. */
export const githubConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(DEFAULT_CONFIG.enabled)
      .describe(
        "Debussy's own in-process sync (debussy init writes false). The action syncs whatever the value (the workflow is the opt-in); true: a warning that two writers touch the same issues."
      ),
    auto_close: z
      .boolean()
      .default(DEFAULT_CONFIG.autoClose)
      .describe(
        'Close the linked issues when the plan completes with every phase done, unless the payload or the auto-close input says otherwise.'
      ),
    create_labels_if_missing: z
      .boolean()
      .default(DEFAULT_CONFIG.createLabelsIfMissing)
      .describe(
        'Create a missing state label with its color; false: a missing label is not applied, with a warning.'
      ),
    dry_run: z
      .boolean()
      .default(DEFAULT_CONFIG.dryRun)
      .describe('Preview only: read, and list the writes that would be made.'),
    // Parsed from {}, so that each label key takes its own default.
    labels: labelsSchema.prefault({}),
    repositories: z
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
      .prefault([])
      .describe(
        "Repositories the action may write to besides the workflow's own and the plan's github_repo, as owner/repo. A linked issue elsewhere is skipped with a warning."
      ),
    max_issues: z
      .int()
      .min(1)
      .default(DEFAULT_CONFIG.maxIssues)
      .describe(
        'At most this many linked issues: a plan that links more fails the step before any request.'
      )
  })
  .describe("The github: section of Debussy's .debussy/config.yaml, as the action reads it.")

type GithubKey = keyof typeof githubConfigSchema.shape
type LabelsKey = keyof typeof labelsSchema.shape
const GITHUB_KEYS = Object.keys(githubConfigSchema.shape) as GithubKey[]
const LABELS_KEYS = Object.keys(labelsSchema.shape) as LabelsKey[]

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

  findings.push(...unknownKeys(source, 'github', raw, GITHUB_KEYS))
  if (isPlainObject(raw.labels)) {
    findings.push(...unknownKeys(source, 'github.labels', raw.labels, LABELS_KEYS))
  }

  const parsed = githubConfigSchema.safeParse(raw)
  if (!parsed.success) throw fromIssues(parsed.error.issues, raw, source)
  const { labels } = parsed.data
  const config: SyncConfig = {
    enabled: parsed.data.enabled,
    autoClose: parsed.data.auto_close,
    createLabelsIfMissing: parsed.data.create_labels_if_missing,
    dryRun: parsed.data.dry_run,
    labels: { inProgress: labels.in_progress, completed: labels.completed, failed: labels.failed },
    colors: {
      inProgress: labels.color_in_progress,
      completed: labels.color_completed,
      failed: labels.color_failed
    },
    repositories: parsed.data.repositories,
    maxIssues: parsed.data.max_issues
  }
  checkDistinct(labels, source)
  if (config.enabled) findings.push(twoWriters(source))
  return { config, findings }
}

/**
 * The document as plain data. YAML 1.1, as Debussy (Python) reads the same file:
 * `enabled: yes` and `off` mean what they mean to Debussy.
 */
function readYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {
    version: '1.1',
    uniqueKeys: true,
    prettyErrors: true,
    lineCounter
  })
  const [error] = doc.errors
  if (error !== undefined) {
    const where = error.linePos?.[0]
    const [problem, fix] = syntaxMessage(error.code, error.message)
    throw new InputError(
      where === undefined ? source : `${source} (line ${where.line}, column ${where.col})`,
      problem,
      fix
    )
  }
  keepColorDigits(doc)
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (thrown) {
    // The yaml package throws a ReferenceError for alias bombs and unresolved aliases.
    const message = errorMessage(thrown)
    throw new InputError(
      source,
      /excessive alias count/i.test(message)
        ? `expands more than ${MAX_ALIAS_COUNT} YAML aliases, which looks like an alias bomb`
        : `cannot be read as YAML: ${printable(message)}`,
      'Write the values out instead of through YAML anchors and aliases'
    )
  }
}

/** The yaml package's message, minus its position (given apart) and its API advice. */
function syntaxMessage(code: string, message: string): [problem: string, fix: string] {
  if (code === 'DUPLICATE_KEY') {
    return ['a key is repeated', 'Keep one of the repeated keys: YAML does not say which one wins']
  }
  if (code === 'MULTIPLE_DOCS') {
    return ['holds more than one YAML document', 'Remove the "---" line that starts a second one']
  }
  const firstLine = (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')
  return [printable(firstLine), 'Fix the YAML at that line']
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

function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown)
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
  const compact = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '')
  return Object.keys(raw)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const meant = known.find((name) => compact(name) === compact(key))
      return unknownKey(source, `${section}.${printable(key, 40)}`, meant)
    })
}

function unknownKey(source: string, key: string, meant: string | undefined): Finding {
  return {
    level: 'warning',
    message: `${source}: ${key} is not a setting the action knows, so it is ignored${
      meant === undefined ? '' : ` (did you mean ${meant}?)`
    }`
  }
}

function checkDistinct(
  labels: Record<'in_progress' | 'completed' | 'failed', string>,
  source: string
): void {
  const states = ['in_progress', 'completed', 'failed'] as const
  states.forEach((state, index) => {
    const earlier = states
      .slice(0, index)
      .find((other) => labels[other].toLowerCase() === labels[state].toLowerCase())
    if (earlier !== undefined) {
      throw new InputError(
        `${source} github.labels.${state}`,
        `"${printable(labels[state])}" is also the ${earlier} label (GitHub compares label names without case)`,
        'Give each of in_progress, completed and failed its own label name'
      )
    }
  })
}

/** The expected form and an example of each key, for messages. */
const FORMS: Record<GithubKey | LabelsKey, { readonly expected: string; readonly fix: string }> = {
  enabled: booleanForm('enabled'),
  auto_close: booleanForm('auto_close'),
  create_labels_if_missing: booleanForm('create_labels_if_missing'),
  dry_run: booleanForm('dry_run'),
  labels: {
    expected: 'a mapping of label names and colors',
    fix: 'Indent in_progress, completed, failed and the color_ keys under "labels:"'
  },
  in_progress: nameForm(DEFAULT_CONFIG.labels.inProgress),
  completed: nameForm(DEFAULT_CONFIG.labels.completed),
  failed: nameForm(DEFAULT_CONFIG.labels.failed),
  color_in_progress: colorForm(DEFAULT_CONFIG.colors.inProgress),
  color_completed: colorForm(DEFAULT_CONFIG.colors.completed),
  color_failed: colorForm(DEFAULT_CONFIG.colors.failed),
  repositories: {
    expected: 'a list of repositories written owner/repo',
    fix: 'Write each as owner/repo, such as "acme/billing-service", in a list: repositories: [acme/billing-service]'
  },
  max_issues: {
    expected: 'a whole number of at least 1',
    fix: `Write "max_issues: ${DEFAULT_CONFIG.maxIssues}" or another whole number, without quotes`
  }
}

function booleanForm(key: string) {
  return { expected: 'true or false', fix: `Write "${key}: true" or "${key}: false"` }
}

function nameForm(example: string) {
  return {
    expected: `a label name of 1 to ${MAX_LABEL_LENGTH} characters without control characters`,
    fix: `Write a label name such as "${example}"`
  }
}

function colorForm(example: string) {
  return { expected: '6 hex digits', fix: `Write 6 hex digits such as "${example}"` }
}

/** One message for a failed parse: the first bad key, and the others to check too. */
function fromIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: Record<string, unknown>,
  source: string
): InputError {
  // Every issue of these object schemas sits under one of their keys, and a failed parse has one.
  // A key is `labels.<name>` or a top-level one; an index into a list names its item's value.
  const keyOf = (path: readonly PropertyKey[]): string =>
    path
      .slice(0, path[0] === 'labels' ? 2 : 1)
      .map(String)
      .join('.')
  const paths = [...new Set(issues.map((issue) => keyOf(issue.path)))]
  const [first = '', ...others] = paths
  const segments = first.split('.')
  const key = segments[segments.length - 1] as GithubKey | LabelsKey
  const firstIssue = issues.find((issue) => keyOf(issue.path) === first)
  const valuePath = (firstIssue?.path ?? []).slice(0, 2).map(String)
  const value = valuePath.reduce<unknown>(
    (node, segment) =>
      isPlainObject(node) || Array.isArray(node)
        ? (node as Record<string, unknown>)[segment]
        : undefined,
    raw
  )
  const also =
    others.length === 0 ? '' : `. Also check ${others.map((path) => `github.${path}`).join(', ')}`
  // `color_failed: #D93F0B` unquoted is a comment to YAML, which leaves null.
  const hint =
    value === null && key.startsWith('color_')
      ? ' in quotes (unquoted, YAML reads "#" as the start of a comment)'
      : ''
  return new InputError(
    `${source} github.${first}`,
    `got ${describeValue(value, 'a mapping')}, expected ${FORMS[key].expected}`,
    `${FORMS[key].fix}${hint}${also}`
  )
}
