/**
 * `npm run local-action-check`: runs the action under GitHub's
 * `@github/local-action` (GitHub's debugger for actions; see docs/DEVELOPING.md) against
 * the GitHub simulator on 127.0.0.1, and checks what a developer sees there:
 * every output of action.yml set, and the token nowhere in what it prints.
 *
 * local-action replaces `@actions/core` and `@actions/github` with its own
 * stubs, so this only works because the action talks to the runner and to
 * GitHub through them. It runs src/main.ts (local-action calls its exported
 * run()), with inputs and the runner's variables from a .env file written here.
 *
 *   npm run local-action-check            (exit 1 when a check fails)
 *   LOCAL_ACTION=/path/to/node_modules/@github/local-action/bin/local-action.js \
 *     npm run local-action-check          (an installed copy instead of `npm exec`)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { startSimulator } from '../test-support/github-simulator.js'
import { REPO_ROOT, cleanup, defaultInputs, makeWorkspace } from '../test-support/run-action.js'
import { PLAN_PATH, REPO, dispatch, seedSample } from '../test-support/sample-repo.js'

/** Long enough for a first `npm exec` to fetch local-action from the registry. */
const TIMEOUT_MS = 300_000

/**
 * The local-action release checked here. It is not a devDependency: it brings
 * some 230 packages (its own TypeScript, @actions/artifact and cache, the
 * Azure SDK), 330 MB that every `npm ci` would install for this one check.
 */
const LOCAL_ACTION_PACKAGE = '@github/local-action@7.0.1'

/** Runs local-action; its stdout and stderr together, as a developer sees them. */
function localAction(args: readonly string[]): Promise<{ code: number | null; text: string }> {
  const installed = process.env.LOCAL_ACTION
  const [command, commandArgs] =
    installed === undefined || installed === ''
      ? [
          'npm',
          ['exec', '--yes', `--package=${LOCAL_ACTION_PACKAGE}`, '--', 'local-action', ...args]
        ]
      : [process.execPath, [installed, ...args]]
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      cwd: REPO_ROOT,
      // Only what local-action and npm need: the runner's variables come from the .env file.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NO_COLOR: '1',
        ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {})
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, text })
    })
  })
}

async function main(): Promise<void> {
  const token = `ghs_localaction_${Date.now().toString(36)}_secret`
  const sim = await startSimulator({ token })
  const failures: string[] = []
  // The event, .env and summary files, outside the workspace as the runner keeps them.
  const dir = mkdtempSync(path.join(tmpdir(), 'local-action-check-'))
  try {
    const sample = seedSample(sim)
    const workspace = makeWorkspace(sample.files)
    const eventPath = path.join(dir, 'event.json')
    writeFileSync(
      eventPath,
      JSON.stringify(dispatch({ event: 'phase_started', plan: PLAN_PATH, phase: '1' }))
    )
    const env: Record<string, string> = {
      ...defaultInputs(token),
      GITHUB_EVENT_NAME: 'repository_dispatch',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: REPO,
      GITHUB_WORKSPACE: workspace,
      GITHUB_API_URL: sim.apiUrl,
      GITHUB_GRAPHQL_URL: sim.graphqlUrl,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md')
    }
    const dotenv = path.join(dir, 'local-action.env')
    writeFileSync(
      dotenv,
      Object.entries(env)
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
        .join('\n') + '\n'
    )
    const { code, text } = await localAction(['run', REPO_ROOT, 'src/main.ts', dotenv])
    process.stdout.write(text)

    const actionYml = readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')
    const outputs = Object.keys(
      (parseYaml(actionYml) as { outputs: Record<string, unknown> }).outputs
    )
    if (code !== 0) failures.push(`local-action exited with ${code}`)
    if (text.includes('No outputs were set!')) failures.push('local-action saw no outputs')
    // After its "Action Outputs" title, local-action prints the outputs it saw
    // with console.table: a row per output, its name quoted. (action.yml's
    // outputs are listed the same way above it, before the run.)
    const shown = text.slice(Math.max(0, text.lastIndexOf('Action Outputs')))
    for (const name of outputs) {
      if (!new RegExp(`│\\s*'${name}'\\s*│`).test(shown)) failures.push(`output ${name} not shown`)
    }
    if (text.includes(token)) failures.push('the token appears in the output')
    const labelled = sample.issueNumbers.filter((n) =>
      sim.issue(REPO, n).labels.includes('debussy:in-progress')
    )
    if (labelled.length !== sample.issueNumbers.length) {
      failures.push(
        `${labelled.length} of ${sample.issueNumbers.length} issues labelled in-progress`
      )
    }
  } finally {
    await sim.close()
    cleanup()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log()
  if (failures.length === 0) {
    console.log('local-action check: all outputs shown, the token nowhere, the issues synced.')
  } else {
    for (const failure of failures) console.error(`local-action check FAILED: ${failure}`)
    process.exitCode = 1
  }
}

await main()
