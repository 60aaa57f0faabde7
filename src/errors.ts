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

// eslint-disable-next-line no-control-regex -- control characters are what this escapes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g

/** Shows a user's value in a message without letting control characters through. */
export function printable(value: string, max = 120): string {
  const safe = value.replace(
    CONTROL_CHARACTERS,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  return safe.length > max ? `${safe.slice(0, max)}…` : safe
}

/** How a user's value is named in a message: strings quoted and made printable. */
export function describeValue(value: unknown, objectWord = 'an object'): string {
  if (typeof value === 'string') return `"${printable(value, 60)}"`
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object' && value !== null) return objectWord
  return String(value)
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
