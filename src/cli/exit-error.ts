// The error that ends a command with a message on stderr and an exit code (0 success, 1 the run failed or the
// call was refused, 2 bad input).

/** Ends the command with this message on stderr and this exit code. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
