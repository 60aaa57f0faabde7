import { expect } from '@jest/globals'
import { InputError } from '../src/errors.js'

/**
 * The InputError a call throws; fails the test when it throws nothing or
 * something else, or when the message is not one plain line a user can read in
 * the step's log (no zod dump, no YAML excerpt, no stack).
 */
export function refusal(call: () => unknown): InputError {
  let thrown: unknown
  try {
    call()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(InputError)
  const error = thrown as InputError
  expect(error.message).not.toMatch(/invalid_type|too_small|Invalid input|ZodError|\n|\s{2}at /)
  return error
}

/**
 * The refusal of `call`, checked: the field it names exactly, and words of its
 * problem and of its fix.
 */
export function refusedWith(
  call: () => unknown,
  field: string,
  problem: string,
  fix: string
): InputError {
  const error = refusal(call)
  expect(error.field).toBe(field)
  expect(error.problem).toContain(problem)
  expect(error.fix).toContain(fix)
  return error
}
