/**
 * Text from GitHub or a plan (milestone titles, label names, error messages)
 * made safe for the Actions log, where the runner reads workflow commands:
 * `::name::` at a line's start, and the older `##[name]` anywhere in a line,
 * also inside another command's data. `@actions/core` escapes its commands'
 * data (`%`, CR, LF) but lets `##[` through; a plain line it does not touch.
 */

/** `##[` with its `[` percent-encoded: the runner no longer reads a command there. */
export function defuseLegacyCommand(text: string): string {
  return text.replace(/##\[/g, '##%5B')
}

/**
 * Text that the runner reads as one plain log line and never as a workflow
 * command, however it was made: CR and LF escaped as command data escapes them
 * (`%0D`, `%0A`), a leading `::` and any `##[` broken. `%` itself is kept: the
 * runner decodes nothing in a plain line, so "50%" reads as written.
 */
export function plainLine(text: string): string {
  return defuseLegacyCommand(
    text
      .replace(/\r/g, '%0D')
      .replace(/\n/g, '%0A')
      .replace(/^(\s*):/, '$1%3A')
  )
}
