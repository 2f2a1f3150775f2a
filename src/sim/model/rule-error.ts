// Errors the model raises. A RuleError carries the real cloud code (errors.ts turns it into the service's
// status and body); an AdminError is a bad `/__sim` request or SimHandle call.

export interface ErrorDetail {
  code: string;
  message: string;
}

export class RuleError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

export class AdminError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}
