/**
 * Names shared by the reliability suite: the state labels of the default
 * config with their colors, the state each event leads to, and the request
 * classes faults are aimed at.
 */
import type { EventKind } from '../src/domain.js'
import type { FaultMatch } from './github-simulator.js'

export type StateName =
  'in-progress' | 'completed' | 'failed' | 'validating' | 'awaiting-human' | 'blocked'

/** SPEC §5 defaults. */
export const STATE_LABELS: Readonly<Record<StateName, { name: string; color: string }>> = {
  'in-progress': { name: 'debussy:in-progress', color: '1D76DB' },
  completed: { name: 'debussy:completed', color: '0E8A16' },
  failed: { name: 'debussy:failed', color: 'D93F0B' },
  validating: { name: 'debussy:validating', color: 'FBCA04' },
  'awaiting-human': { name: 'debussy:awaiting-human', color: 'D876E3' },
  blocked: { name: 'debussy:blocked', color: 'B60205' }
}

/** SPEC §6, written out here (not taken from src/) so that the suite checks the action against it. */
export const STATE_OF: Readonly<Record<EventKind, StateName>> = {
  phase_started: 'in-progress',
  phase_completed: 'completed',
  phase_failed: 'failed',
  plan_completed: 'completed',
  phase_validating: 'validating',
  phase_awaiting_human: 'awaiting-human',
  phase_blocked: 'blocked'
}

/** The requests the action makes, as fault matchers. */
export const FAULT_CLASSES = {
  observe: { kind: 'graphql', operation: 'query' },
  mutation: { kind: 'graphql', operation: 'mutation' },
  createLabel: { method: 'POST', path: /\/labels$/ },
  milestonePatch: { method: 'PATCH', path: /\/milestones\/\d+$/ },
  anyGraphql: { kind: 'graphql' },
  anyRest: { kind: 'rest' },
  any: {}
} as const satisfies Record<string, FaultMatch>

// The report's names for them live with the report, which loads without jest's module mapping.
export { WRITE_KINDS, type WriteKind } from './reliability-global-teardown.js'
