## Errors and constants shared by the client and server runtimes; no proto-specific content.
${generated_notice}
// source: ${source}

/** The reserved SSE event of a handler error after the stream started; its data is an error body. */
export const SSE_ERROR_EVENT = ${error_event};
/** The reserved SSE event that ends a stream cleanly, so "finished" differs from "dropped". */
export const SSE_END_EVENT = ${end_event};
<%text>
/** Any JSON value: the TypeScript form of google.protobuf.Value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One problem with a request: the field (or header) and what is wrong with it. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** The request could not be bound or failed validation: HTTP 400 `{"violations": [...]}`. */
export class ValidationError extends Error {
  readonly violations: FieldViolation[];

  constructor(violations: FieldViolation[], message?: string) {
    super(message ?? describeViolations(violations));
    this.name = "ValidationError";
    this.violations = violations;
  }
}

/**
 * Any other HTTP error: `status` and the parsed JSON body (or its text). Servers answer with
 * `{"message": error.message}` and the status; the message defaults to the body's `message`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body?: unknown, message?: string) {
    super(messageOf(body) ?? message ?? "HTTP " + status);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

/** An SSE event grew beyond the client's maxEventSize. */
export class EventTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super("SSE event larger than " + limit + " characters");
    this.name = "EventTooLargeError";
    this.limit = limit;
  }
}

/**
 * The stream ended without its terminal event and no reconnection attempt is left; `reason` is
 * what ended the last connection (a network error, or undefined for an early end of the body).
 */
export class StreamInterruptedError extends Error {
  readonly reason: unknown;

  constructor(message: string, reason?: unknown) {
    super(message);
    this.name = "StreamInterruptedError";
    this.reason = reason;
  }
}

// Each directory of generated code has its own copy of this module, so errors are recognised by
// shape as well as by class: an error thrown with another directory's class is still understood.

/** Whether `error` is a ValidationError (of any copy of this module). */
export function isValidationError(error: unknown): error is ValidationError {
  return (
    error instanceof ValidationError ||
    (error instanceof Error && error.name === "ValidationError" && Array.isArray((error as ValidationError).violations))
  );
}

/** Whether `error` is an ApiError (of any copy of this module). */
export function isApiError(error: unknown): error is ApiError {
  return (
    error instanceof ApiError ||
    (error instanceof Error && error.name === "ApiError" && typeof (error as ApiError).status === "number")
  );
}

function describeViolations(violations: FieldViolation[]): string {
  if (violations.length === 0) return "invalid request";
  return "invalid request: " + violations.map((v) => v.field + ": " + v.description).join("; ");
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === "object" && body !== null) {
    const message = (body as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  return undefined;
}
</%text>
