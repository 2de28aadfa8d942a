/** The UserInputError a function throws (the test fails if it throws nothing or something else). */
import { expect } from "vitest";
import { UserInputError } from "../../src/errors.js";

export function errorOf(fn: () => unknown): UserInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserInputError);
    return err as UserInputError;
  }
  throw new Error("expected a UserInputError");
}
