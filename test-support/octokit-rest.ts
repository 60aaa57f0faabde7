/**
 * Octokit's `rest.issues.*` methods over any Octokit. The action's client
 * has only `request` (its routes are spelled out in src/github/apply.ts);
 * tests and the benchmark's baseline read better with the named methods.
 */
import type { Octokit } from '@octokit/core'
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods'

export function restOf(octokit: Octokit): ReturnType<typeof restEndpointMethods>['rest'] {
  return restEndpointMethods(octokit).rest
}
