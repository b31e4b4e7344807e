// The generated SseParser against the shared WHATWG vectors: every input fed whole, in two chunks
// split at every byte offset, and one byte at a time.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { SseParser, type SseEvent } from "../gen/market/v1/ssegen_client_runtime.js";
import { vectorsPath } from "./paths.js";

interface Vector {
  name: string;
  input?: string;
  input_base64?: string;
  events: SseEvent[];
  last_event_id: string;
  retry: number | null;
}

interface Outcome {
  events: SseEvent[];
  lastEventId: string;
  retry: number | null;
}

// Above this size, two-chunk splits are sampled (ends, every line terminator's neighbourhood, and
// a stride) instead of taken at every offset: every offset of a 64 KiB input would be quadratic.
// The one-byte-at-a-time run still puts a chunk boundary at every offset of every input.
const EVERY_OFFSET_UP_TO = 4096;

const file = JSON.parse(readFileSync(vectorsPath(), "utf8")) as { vectors: Vector[] };

function inputBytes(vector: Vector): Uint8Array {
  if (vector.input_base64 !== undefined) return new Uint8Array(Buffer.from(vector.input_base64, "base64"));
  if (vector.input !== undefined) return new TextEncoder().encode(vector.input);
  throw new Error(`vector ${vector.name} has no input`);
}

function run(chunks: Iterable<Uint8Array>): Outcome {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => {
    // Copy only the contract's fields: an implementation may carry more.
    events.push({ type: event.type, data: event.data, id: event.id });
  });
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return { events, lastEventId: parser.lastEventId, retry: parser.retry ?? null };
}

function splitOffsets(bytes: Uint8Array): number[] {
  if (bytes.length <= EVERY_OFFSET_UP_TO) return Array.from({ length: bytes.length + 1 }, (_, i) => i);
  const offsets = new Set<number>();
  const near = (center: number): void => {
    for (let i = Math.max(0, center - 4); i <= Math.min(bytes.length, center + 4); i++) offsets.add(i);
  };
  near(0);
  near(bytes.length);
  bytes.forEach((byte, i) => {
    if (byte === 0x0a || byte === 0x0d || byte >= 0x80) near(i);
  });
  for (let i = 0; i <= bytes.length; i += 997) offsets.add(i);
  return [...offsets].sort((a, b) => a - b);
}

function* oneByteAtATime(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}

const expected = (vector: Vector): Outcome => ({
  events: vector.events.map((e) => ({ type: e.type, data: e.data, id: e.id })),
  lastEventId: vector.last_event_id,
  retry: vector.retry,
});

describe("SseParser vectors", () => {
  test("the vector file is not empty", () => {
    assert.ok(file.vectors.length > 0);
  });

  for (const vector of file.vectors) {
    test(vector.name, () => {
      const bytes = inputBytes(vector);
      const want = expected(vector);

      assert.deepEqual(run([bytes]), want, "fed whole");
      for (const at of splitOffsets(bytes)) {
        // Fresh copies, so a parser that keeps a view of an input chunk is caught.
        const outcome = run([bytes.slice(0, at), bytes.slice(at)]);
        assert.deepEqual(outcome, want, `split at byte ${at}`);
      }
      assert.deepEqual(run(oneByteAtATime(bytes)), want, "one byte at a time");
      // Empty chunks between bytes are legal reads and must change nothing.
      assert.deepEqual(
        run([new Uint8Array(0), bytes, new Uint8Array(0)]),
        want,
        "with empty chunks around",
      );
    });
  }
});

describe("SseParser limits", () => {
  test("an event larger than maxEventSize fails with a distinct error", async () => {
    const { EventTooLargeError } = await import("../gen/market/v1/ssegen_errors.js");
    const parser = new SseParser(() => {}, { maxEventSize: 1024 });
    const line = new TextEncoder().encode(`data: ${"x".repeat(4096)}\n\n`);
    assert.throws(
      () => {
        for (const chunk of oneByteAtATime(line)) parser.feed(chunk);
      },
      (error: unknown) => error instanceof EventTooLargeError && error.limit === 1024,
    );
  });

  test("an event below maxEventSize passes", () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e), { maxEventSize: 1 << 20 });
    const payload = "y".repeat(512 * 1024);
    parser.feed(new TextEncoder().encode(`data: ${payload}\n\n`));
    parser.end();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.data, payload);
  });

  test("maxEventSize counts the data in UTF-8 bytes, as the Go client does", async () => {
    const { EventTooLargeError } = await import("../gen/market/v1/ssegen_errors.js");
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e), { maxEventSize: 12 });
    // 4 + 1 (the LF joining the lines) + 7 bytes; 9 characters.
    parser.feed(new TextEncoder().encode("data: \u00e9\u00e9\ndata: \u{1F600}\u00e9x\n\n"));
    assert.deepEqual(events.map((e) => e.data), ["\u00e9\u00e9\n\u{1F600}\u00e9x"]);
    // 13 bytes in 7 characters: too large although far below 12 characters.
    assert.throws(
      () => parser.feed(new TextEncoder().encode("data: \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9x\n\n")),
      (error: unknown) => error instanceof EventTooLargeError && error.limit === 12,
    );
  });

  test("maxEventSize limits data, not the comments and fields around it", () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e), { maxEventSize: 64 });
    const comments = `: ${"c".repeat(60)}\n`.repeat(100);
    parser.feed(new TextEncoder().encode(`${comments}event: tick\nid: 7\ndata: ok\n\n`));
    assert.deepEqual(events, [{ type: "tick", data: "ok", id: "7" }]);
  });

  test("maxEventSize 0 means no limit", () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e), { maxEventSize: 0 });
    parser.feed(new TextEncoder().encode(`data: ${"q".repeat(100_000)}\n\n`));
    assert.equal(events[0]?.data.length, 100_000);
  });

  test("no hidden line limit: a 1 MiB line without maxEventSize", () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    const payload = "z".repeat(1 << 20);
    const bytes = new TextEncoder().encode(`data: ${payload}\n\n`);
    // In 1000-byte chunks, as a network would deliver it.
    for (let i = 0; i < bytes.length; i += 1000) parser.feed(bytes.subarray(i, i + 1000));
    parser.end();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.data.length, payload.length);
  });
});
