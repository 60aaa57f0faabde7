/**
 * Text taken from the plan and written to GitHub: it must never ping anyone,
 * link an issue, or inject markup into a comment or summary.
 */
import type { MasterPlan } from './domain.js'
import type { Progress } from './progress.js'

/** A zero-width joiner after `@` and `#` stops mentions and issue links, and reads the same. */
const ZWJ = '\u200d'

const HIDDEN_CONTROLS =
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * Bidirectional controls (U+202E shows what follows backwards, isolates reorder
 * runs) make a reader see other text than is there; other control characters
 * (escape sequences, bell) have no business in a title. Line breaks and tabs
 * are whitespace, flattened by the callers.
 */
export function withoutControls(text: string): string {
  return text.replace(HIDDEN_CONTROLS, '')
}

/** `GH-12` is an issue link to GitHub, in any case: a joiner after `GH` stops it. */
export function unlinkGhRefs(text: string): string {
  return text.replace(/(gh)-(?=\d)/gi, `$1${ZWJ}-`)
}

/**
 * Plan text made inert for GitHub markdown: mentions, issue references (`#12`,
 * `GH-12`) and bare URLs neutralised, bidirectional and other control characters
 * removed, markdown and HTML punctuation escaped, newlines flattened.
 */
export function inertText(text: string, max = 200): string {
  const flat = withoutControls(text).replace(/\s+/g, ' ').trim()
  const short = flat.length > max ? `${flat.slice(0, max)}…` : flat
  return unlinkGhRefs(
    short
      .replace(/[\\`*_{}[\]()<>|!~]/g, (c) => `\\${c}`)
      .replace(/&/g, '&amp;')
      .replace(/[@#]/g, (c) => `${c}${ZWJ}`)
      // Bare URLs are autolinked by GitHub: a joiner inside the scheme or www. stops that.
      .replace(/:\/\//g, `:${ZWJ}//`)
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${ZWJ}.`)
  )
}

/** Marks the action's one comment so that a re-run after a failed close does not post it twice. */
export function completionMarker(planKey: string): string {
  return `<!-- debussy-issue-sync:completed plan="${encodeURIComponent(planKey)}" -->`
}

export function completionComment(plan: MasterPlan, progress: Progress | undefined): string {
  const phases = progress === undefined ? '' : ` (${progress.completed}/${progress.total} phases)`
  return [
    `✅ Debussy completed the plan **${inertText(plan.title)}**${phases}, so this issue is closed as completed.`,
    '',
    `Closed by debussy-issue-sync because auto-close is on. Reopen it if there is more to do.`,
    completionMarker(plan.path)
  ].join('\n')
}
