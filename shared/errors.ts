/**
 * Errors that carry an HTTP meaning. Domain and use-case code throws these; one mapper
 * (shared/http/problem.ts) turns them into application/problem+json responses. Anything
 * else is an unexpected failure and becomes a 500 without internals.
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `impact` or `resolution.code`. */
  field: string;
  /** What was expected instead. */
  message: string;
}

export abstract class HttpError extends Error {
  abstract readonly status: number;
  /** Machine-readable problem type, appended to the problem type base URI. */
  abstract readonly type: string;
  abstract readonly title: string;
  /** Extra members for the problem+json body. */
  extensions(): Record<string, unknown> {
    return {};
  }
}

export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly type = 'validation-error';
  readonly title = 'The request is not valid';
  constructor(
    readonly issues: FieldIssue[],
    detail = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '),
  ) {
    super(detail);
  }
  override extensions() {
    return { errors: this.issues };
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;
  readonly type = 'unauthorized';
  readonly title = 'Authentication is required';
}

export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly type = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends HttpError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly type = 'conflict';
  readonly title = 'The request conflicts with the current state';
}

export class InvalidTransitionError extends HttpError {
  override readonly name = 'InvalidTransitionError';
  readonly status = 409;
  readonly type = 'invalid-transition';
  readonly title = 'The action is not allowed in the current state';
  constructor(
    readonly action: string,
    readonly state: string,
    readonly allowedActions: readonly string[],
  ) {
    super(
      `Action '${action}' is not allowed in state '${state}'. Allowed: ${allowedActions.join(', ') || 'none'}.`,
    );
  }
  override extensions() {
    return { action: this.action, state: this.state, allowedActions: this.allowedActions };
  }
}

export class PreconditionFailedError extends HttpError {
  override readonly name = 'PreconditionFailedError';
  readonly status = 412;
  readonly type = 'precondition-failed';
  readonly title = 'The resource has changed';
  constructor(
    detail: string,
    readonly currentVersion?: number,
  ) {
    super(detail);
  }
  override extensions() {
    return this.currentVersion === undefined ? {} : { currentVersion: this.currentVersion };
  }
}

export class PreconditionRequiredError extends HttpError {
  override readonly name = 'PreconditionRequiredError';
  readonly status = 428;
  readonly type = 'precondition-required';
  readonly title = 'If-Match is required';
}

export class PayloadTooLargeError extends HttpError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly type = 'payload-too-large';
  readonly title = 'The request body is too large';
}

export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly type = 'unsupported-media-type';
  readonly title = 'The request body must be application/json';
}

export class IdempotencyKeyReusedError extends HttpError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly status = 422;
  readonly type = 'idempotency-key-reused';
  readonly title = 'The Idempotency-Key was already used with a different request';
}
