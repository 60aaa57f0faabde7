/**
 * The Actions runner's side of the conversation: inputs from `INPUT_*`
 * variables, outputs to the `GITHUB_OUTPUT` file, and workflow commands
 * (`::warning::`, `::add-mask::`) on stdout, as GitHub documents them in
 * "Workflow commands for GitHub Actions".
 *
 * These few functions write exactly what `@actions/core` writes for the same
 * calls (a test compares the two), except that they defuse the runner's older
 * `##[name]` command form inside command data. The action does not import `@actions/core`
 * itself because its module graph loads `@actions/http-client` and undici for
 * OIDC tokens, about 1 MB of code that every run would compile before its
 * first request and that this action never calls.
 */
import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync } from 'node:fs'
import { EOL } from 'node:os'

/** `INPUT_<NAME>` as the runner names it: spaces become `_`, upper case; the value trimmed. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

/** Command data: `%`, CR and LF escaped, so that one command stays one line. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/**
 * The runner also reads the older form `##[name]data` anywhere in a line, also
 * inside another command's data: a percent-encoded `[` stops it. @actions/core
 * does not do this; it is the one place where this module writes otherwise.
 */
function defuseLegacyCommand(text: string): string {
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

function command(name: string, message: string): void {
  process.stdout.write(`::${name}::${defuseLegacyCommand(escapeData(message))}${EOL}`)
}

export function info(message: string): void {
  process.stdout.write(message + EOL)
}

/** A warning annotation on the run. */
export function warning(message: string): void {
  command('warning', message)
}

/** A notice annotation on the run. */
export function notice(message: string): void {
  command('notice', message)
}

/** Asks the runner to mask `secret` in every later line of the log. */
export function setSecret(secret: string): void {
  command('add-mask', secret)
}

/** An error annotation, and the step fails when the process exits. */
export function setFailed(message: string): void {
  process.exitCode = 1
  command('error', message)
}

/**
 * Appends `name` to the `GITHUB_OUTPUT` file in the multi-line form, with a
 * random delimiter that the value cannot end early. Without the file (an old
 * runner), the deprecated `set-output` command.
 */
export function setOutput(name: string, value: string): void {
  const file = process.env.GITHUB_OUTPUT ?? ''
  if (file === '') {
    process.stdout.write(EOL)
    process.stdout.write(`::set-output name=${escapeProperty(name)}::${escapeData(value)}${EOL}`)
    return
  }
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`)
  const delimiter = `ghadelimiter_${randomUUID()}`
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`output ${name} contains its delimiter ${delimiter}`)
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8')
}

/** Command properties also escape `:` and `,`, which separate them. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}
