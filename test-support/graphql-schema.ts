/**
 * GitHub's GraphQL schema as @octokit/graphql-schema publishes it: the one the
 * simulator executes queries against and the fidelity checker validates them by.
 */
import { buildSchema, type GraphQLSchema } from 'graphql'

let schemaPromise: Promise<GraphQLSchema> | undefined

/**
 * Builds GitHub's schema once per process (≈0.5 s). The SDL repeats some
 * fields, which only `assumeValidSDL` tolerates. Imported lazily because the
 * package parses a 5 MB JSON file when loaded.
 */
export function loadGraphqlSchema(): Promise<GraphQLSchema> {
  schemaPromise ??= import('@octokit/graphql-schema').then(({ schema }) =>
    buildSchema(schema.idl, { assumeValidSDL: true })
  )
  return schemaPromise
}
