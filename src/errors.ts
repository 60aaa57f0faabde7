/**
 * A problem with what the user gave the action (payload, inputs, config, plan).
 * It names the field, says what is wrong with the value and how to fix it, and
 * is raised before any write request is made.
 */
export class InputError extends Error {
  constructor(
    /** Where the bad value is: `client_payload.phase`, `input auto-close`, `plan github_issues (line 3)`. */
    readonly field: string,
    /** What is wrong with the value. */
    readonly problem: string,
    /** What to write instead. */
    readonly fix: string
  ) {
    super(`${field}: ${problem}. ${fix}`)
    this.name = 'InputError'
  }
}

import type { z } from 'zod'

// The C0 and C1 control characters, and DEL: what no name, path or id a user gives may hold.
// eslint-disable-next-line no-control-regex -- control characters are what these find
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g
/** Text without control characters, as a zod `.regex()` (and a JSON Schema `pattern`) says it. */
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/

/** Whether `text` holds a control character (a newline, an escape, DEL…). */
export function hasControlCharacters(text: string): boolean {
  return !NO_CONTROL_CHARACTERS.test(text)
}

/** Shows a user's value in a message without letting control characters through. */
export function printable(value: string, max = 120): string {
  const safe = value.replace(
    CONTROL_CHARACTERS,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  return safe.length > max ? `${safe.slice(0, max)}…` : safe
}

/** The words a message uses for values that have no short printed form. */
export interface ValueWords {
  /** A JSON object is `an object`; a YAML mapping is `a mapping`. */
  readonly object?: string
  /** `null` and `undefined`: `null` in JSON, `an empty value` in YAML, where nothing reads as null. */
  readonly nothing?: string
}

/** YAML's words: a plan or config value is a mapping, and an empty one reads as null. */
export const YAML_WORDS: ValueWords = { object: 'a mapping', nothing: 'an empty value' }

/** How a user's value is named in a message: strings quoted and made printable. */
export function describeValue(value: unknown, words: ValueWords = {}): string {
  if (typeof value === 'string') return `"${printable(value, 60)}"`
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value)
  }
  if (value === null) return words.nothing ?? 'null'
  if (value === undefined) return words.nothing ?? 'undefined'
  return words.object ?? 'an object'
}

/** The message of anything thrown. */
export function thrownMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown)
}

/** How a failed parse of one object names and explains its keys. */
export interface IssueWording {
  /** Path segments that name a key: 1, or 2 for a key of a nested section (`labels.failed`). */
  readonly keyDepth?: (path: readonly PropertyKey[]) => number
  /** The field a message names for a key path (`client_payload.plan`, `config.yaml github.labels.failed`). */
  readonly field: (key: string) => string
  /** How "Also check" names the other keys; the field name by default. */
  readonly also?: (key: string) => string
  /** The expected form of the value and what to write instead; `key` is the last path segment. */
  readonly form: (
    key: string,
    value: unknown
  ) => { readonly expected: string; readonly fix: string }
  readonly words?: ValueWords
}

/**
 * One message for a failed zod parse of user input: the first bad key with its
 * value and expected form, and the other bad keys to check too.
 */
export function fromIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: Record<string, unknown>,
  wording: IssueWording
): InputError {
  const depth = wording.keyDepth ?? (() => 1)
  const keyPath = (path: readonly PropertyKey[]): string[] => path.slice(0, depth(path)).map(String)
  // Every issue of an object schema sits under one of its keys, and a failed parse has one.
  const keys = [...new Set(issues.map((issue) => keyPath(issue.path).join('.')))]
  const [first = '', ...others] = keys
  const firstIssue = issues.find((issue) => keyPath(issue.path).join('.') === first)
  const path = firstIssue?.path ?? []
  // The value at the key, or the list item under it that is wrong.
  const value = path
    .slice(0, keyPath(path).length + 1)
    .map(String)
    .reduce<unknown>(
      (node, segment) =>
        isPlainObject(node) || Array.isArray(node)
          ? (node as Record<string, unknown>)[segment]
          : undefined,
      raw
    )
  const key = first.split('.').pop() ?? first
  const { expected, fix } = wording.form(key, value)
  const also =
    others.length === 0
      ? ''
      : `. Also check ${others.map(wording.also ?? wording.field).join(', ')}`
  return new InputError(
    wording.field(first),
    `got ${describeValue(value, wording.words)}, expected ${expected}`,
    `${fix}${also}`
  )
}

/** A JSON object or YAML mapping, as parsed from untrusted input. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Levenshtein distance, for "did you mean" on short words (commands, event names). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * The known name a user probably meant: the same letters and digits in any
 * case and punctuation (`phase-started` for `phase_started`), else the
 * nearest within two edits (`wacth` for `watch`).
 */
export function closestName(word: string, known: readonly string[]): string | undefined {
  const compact = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '')
  const same = known.find((name) => compact(name) === compact(word))
  if (same !== undefined) return same
  let best: { name: string; d: number } | undefined
  for (const name of known) {
    const d = distance(compact(word), compact(name))
    if (d <= 2 && (best === undefined || d < best.d)) best = { name, d }
  }
  return best?.name
}
