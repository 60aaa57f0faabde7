/**
 * End to end through dist/index.js, issue 14 part 2: Debussy's other phase
 * states (validating, awaiting a person, blocked) as events and labels, their
 * redelivery (no write) and a bad label configuration (refused before any request).
 */
import { describe, expect, it } from '@jest/globals'
import type { GitHubSimulator } from '../../test-support/github-simulator.js'
import { makeWorkspace } from '../../test-support/run-action.js'
import { REPO, seedSample } from '../../test-support/sample-repo.js'
import * as e2e from '../../test-support/e2e-helpers.js'

let sim: GitHubSimulator
e2e.useSimulator((started) => (sim = started))

const CONFIG = '.debussy/config.yaml'
/** Custom names and colours, as a team that renames its labels writes them. */
const LABELS_CONFIG = [
  'github:',
  '  labels:',
  '    validating: "state: checking"',
  '    awaiting_human: "state: needs a person"',
  '    color_awaiting_human: 5319E7'
].join('\n')

describe("Debussy's other states, through the bundle", () => {
  it.each([
    ['phase_validating', 'client_payload.event', 'state: checking', 'FBCA04'],
    ['phase_awaiting_human', 'event_type', 'state: needs a person', '5319E7'],
    ['phase_blocked', 'client_payload.event', 'debussy:blocked', 'B60205']
  ])(
    '%s (named by %s) replaces the state label with %s, created in colour %s; its redelivery writes nothing',
    async (event, namedBy, label, color) => {
      const sample = seedSample(sim)
      const workspace = makeWorkspace({ ...sample.files, [CONFIG]: LABELS_CONFIG })
      e2e.expectExit(
        await e2e.fire(sim, workspace, e2e.planEvent('phase_started', { phase: '2' })),
        0
      )
      const payload = e2e.planEvent(event, { phase: '2' })
      const byType = namedBy === 'event_type'
      if (byType) delete payload.event
      const options: e2e.FireOptions = byType
        ? { eventType: `debussy-${event.replaceAll('_', '-')}` }
        : {}

      const result = await e2e.fire(sim, workspace, payload, options)

      e2e.expectExit(result, 0)
      expect(result.outputs.state).toBe(event.replace('phase_', '').replace('_', '-'))
      const people = [['bug'], ['team:payments', 'needs-review'], []]
      for (const [i, n] of sample.issueNumbers.entries()) {
        // People's labels stay; in-progress gives way: one state label at a time.
        expect(sim.issue(REPO, n).labels).toEqual([...(people[i] ?? []), label])
      }
      expect(sim.label(REPO, label)?.color.toUpperCase()).toBe(color)

      const before = sim.requests.length
      e2e.expectExit(await e2e.fire(sim, workspace, payload, options), 0)
      const redelivery = sim.requests.slice(before)
      expect(redelivery).toHaveLength(1)
      expect(redelivery.filter((r) => r.write)).toEqual([])
    }
  )

  it('a bad colour for a new state fails naming the key and the fix, with no request', async () => {
    const error = await e2e.refusedConfig(
      sim,
      'github:\n  labels:\n    color_blocked: dark red\n',
      e2e.planEvent('phase_blocked', { phase: '1' })
    )

    expect(error).toContain('github.labels.color_blocked')
    expect(error).toContain('got "dark red", expected 6 hex digits')
    expect(error).toContain('such as "B60205"')
  })
})
