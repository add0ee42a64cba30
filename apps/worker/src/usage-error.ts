// A command given input it cannot use (an unknown stage, a bad option value): the CLI prints the
// message alone, naming the input, and exits 1; no stack, since it is not a bug.
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
