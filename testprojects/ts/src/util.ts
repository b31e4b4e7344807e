// Generic test plumbing (nothing generated): deadline polling, deferreds, and a guard that fails a
// suite on unhandled rejections or uncaught exceptions.
import assert from "node:assert/strict";
import { after, afterEach } from "node:test";

// Anything that escapes a test as an unhandled rejection or uncaught exception fails it: the
// client and server must stop "without noise".
export function failOnUnhandled(): void {
  const escaped: unknown[] = [];
  const record = (error: unknown): void => {
    escaped.push(error);
  };
  process.on("unhandledRejection", record);
  process.on("uncaughtException", record);
  afterEach(async () => {
    // Rejections are reported after the microtask queue drains: give them a macrotask turn.
    await new Promise((resolve) => setImmediate(resolve));
    const seen = escaped.splice(0);
    assert.deepEqual(seen.map(String), [], "unhandled rejections or uncaught exceptions");
  });
  after(() => {
    process.off("unhandledRejection", record);
    process.off("uncaughtException", record);
  });
}

// Polls until `condition` holds, failing once the deadline passes. The deadline only bounds a hang;
// nothing asserts on how long it took.
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// Resolves when the signal aborts (a handler "blocking until the client goes away").
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

// Reads a response body as text until `until` matches (or the body ends), then cancels it.
export async function readTextUntil(response: Response, until: (text: string) => boolean): Promise<string> {
  assert.ok(response.body, "response has a body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!until(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text;
}
