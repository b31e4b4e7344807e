// SSE streams end to end: generated client -> Node adapter -> generated routes -> test handler.
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";

import type { Quote, StreamQuotesRequest, Trade } from "../gen/market/v1/market_data.js";
import { MarketDataServiceClient } from "../gen/market/v1/market_data.client.js";
import { createMarketDataServiceRoutes } from "../gen/market/v1/market_data.server.js";
import { ApiError, EventTooLargeError, StreamInterruptedError, ValidationError } from "../gen/market/v1/ssegen_errors.js";
import { createRouter, serverEvent } from "../gen/market/v1/ssegen_server_runtime.js";
import {
  aborted,
  API_KEY,
  deferred,
  failOnUnhandled,
  handler,
  readTextUntil,
  start,
  waitFor,
  type Handler,
  type Harness,
} from "./helpers.js";

failOnUnhandled();

const quote = (bid: number, symbol = "AAPL"): Quote => ({ symbol, bid, ask: bid + 1 });

// Runs `body` against a fresh harness and always closes it.
async function withServer(
  impl: Partial<Handler>,
  body: (h: Harness) => Promise<void>,
  options: Parameters<typeof start>[1] = {},
): Promise<void> {
  const h = await start(impl, options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

const streamUrl = (h: Harness, symbol = "AAPL"): string => `${h.url}/api/v1/quotes/${symbol}/stream`;
const sseHeaders = { "X-API-Key": API_KEY, Accept: "text/event-stream" };

describe("stream happy paths", () => {
  test("events carry names and ids; binding of path, query (repeated enum) and headers", async () => {
    let seen: { req: StreamQuotesRequest; request: Request } | undefined;
    await withServer(
      {
        streamQuotes: async function* (req, ctx) {
          seen = { req, request: ctx.request };
          yield serverEvent(quote(1), { event: "quote", id: "1" });
          yield quote(2);
          yield serverEvent(quote(3), { id: "3" });
          yield serverEvent(quote(4), { event: "snapshot" });
        },
      },
      async (h) => {
        const events = [];
        for await (const event of h.client.streamQuotesEvents({
          symbol: "BRK/A",
          throttleMs: 250,
          venues: ["VENUE_XNAS", "VENUE_CRYPTO"],
        })) {
          events.push(event);
        }
        assert.deepEqual(events, [
          { data: quote(1), event: "quote", id: "1" },
          { data: quote(2), event: "message", id: "1" },
          { data: quote(3), event: "message", id: "3" },
          { data: quote(4), event: "snapshot", id: "3" },
        ]);
        assert.ok(seen);
        assert.deepEqual(
          { symbol: seen.req.symbol, throttleMs: seen.req.throttleMs, venues: seen.req.venues },
          { symbol: "BRK/A", throttleMs: 250, venues: ["VENUE_XNAS", "VENUE_CRYPTO"] },
        );
        const url = new URL(seen.request.url);
        assert.deepEqual(url.searchParams.getAll("venue"), ["VENUE_XNAS", "VENUE_CRYPTO"]);
        assert.equal(seen.request.headers.get("accept"), "text/event-stream");
        assert.equal(seen.request.headers.get("x-api-key"), API_KEY);
        assert.equal(seen.request.headers.get("last-event-id"), null);
      },
    );
  });

  test("the data-only iterator yields typed messages; the terminal event ends the loop", async () => {
    await withServer(
      {
        streamQuotes: async function* () {
          for (let i = 1; i <= 3; i++) yield quote(i);
        },
      },
      async (h) => {
        const bids: number[] = [];
        // A reconnect policy must not reconnect after the terminal event.
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" }, { reconnect: { maxAttempts: 5, initialDelayMs: 1 } })) {
          bids.push(q.bid ?? -1);
        }
        assert.deepEqual(bids, [1, 2, 3]);
        assert.equal(h.server.requests.length, 1, "no reconnection after a clean end");
      },
    );
  });

  test("an empty stream ends cleanly", async () => {
    await withServer(
      {
        // eslint-disable-next-line require-yield
        streamQuotes: async function* () {
          return;
        },
      },
      async (h) => {
        const got: Quote[] = [];
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" })) got.push(q);
        assert.deepEqual(got, []);
      },
    );
  });

  test("server-streaming RPC over POST with a JSON body", async () => {
    await withServer(
      {
        watchTrades: async function* (req, ctx) {
          assert.equal(ctx.request.method, "POST");
          for (const [i, symbol] of (req.symbols ?? []).entries()) {
            const trade: Trade = { tradeId: `t${i}`, symbol, price: 10 + i, quantity: String(i + 1), aggressor: "SIDE_SELL", time: req.since ?? "" };
            yield trade;
          }
        },
      },
      async (h) => {
        const trades: Trade[] = [];
        for await (const t of h.client.watchTrades({ symbols: ["A", "B"], since: "2024-03-04T05:06:07Z" })) trades.push(t);
        assert.deepEqual(trades, [
          { tradeId: "t0", symbol: "A", price: 10, quantity: "1", aggressor: "SIDE_SELL", time: "2024-03-04T05:06:07Z" },
          { tradeId: "t1", symbol: "B", price: 11, quantity: "2", aggressor: "SIDE_SELL", time: "2024-03-04T05:06:07Z" },
        ]);
      },
    );
  });

  test("a handler may return a ReadableStream of messages and events", async () => {
    let cancelled = false;
    await withServer(
      {
        streamQuotes: () => {
          let i = 0;
          return new ReadableStream({
            pull(controller) {
              i++;
              controller.enqueue(i % 2 === 0 ? serverEvent(quote(i), { id: String(i) }) : quote(i));
            },
            cancel() {
              cancelled = true;
            },
          });
        },
      },
      async (h) => {
        const events = [];
        for await (const event of h.client.streamQuotesEvents({ symbol: "AAPL" })) {
          events.push(event);
          if (events.length === 4) break;
        }
        assert.deepEqual(
          events.map((e) => [e.data.bid, e.id]),
          [
            [1, ""],
            [2, "2"],
            [3, "2"],
            [4, "4"],
          ],
        );
        await waitFor(() => cancelled, "the handler's ReadableStream was cancelled");
      },
    );
  });

  test("raw wire: headers, retry, heartbeat comments, ids, names, terminal event", async () => {
    const release = deferred();
    await withServer(
      {
        streamQuotes: async function* (_req, ctx) {
          ctx.setRetry(1500);
          yield serverEvent(quote(1), { event: "quote", id: "q-1" });
          // Wait long enough for heartbeats: the test releases us once it has seen one.
          await release.promise;
          yield quote(2);
        },
      },
      async (h) => {
        const response = await fetch(streamUrl(h), { headers: sseHeaders });
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream\b/);
        assert.equal(response.headers.get("cache-control"), "no-cache");
        assert.equal(response.headers.get("x-accel-buffering"), "no");
        const text = await readTextUntil(response, (t) => {
          // A comment line after the first frame is a heartbeat: let the handler finish.
          if (/\n:[^\n]*\n/.test(t)) release.resolve();
          return /(^|\n)event: end\n[^]*\n\n$/.test(t);
        });
        const frames = text.split("\n\n").filter((f) => f !== "");
        // retry goes out with the first frame; data lines are compact single-line JSON.
        assert.equal(frames[0], 'retry: 1500\nid: q-1\nevent: quote\ndata: {"symbol":"AAPL","bid":1,"ask":2}');
        assert.ok(
          frames.some((f) => f.split("\n").every((line) => line.startsWith(":"))),
          `a heartbeat comment in:\n${text}`,
        );
        assert.equal(frames.at(-2), 'data: {"symbol":"AAPL","bid":2,"ask":3}');
        assert.match(frames.at(-1) ?? "", /^event: end(\n|$)/);
      },
      { routes: { heartbeatIntervalMs: 10 } },
    );
  });

  test("the committed response has the SSE headers and no Connection header (in-process)", async () => {
    const routes = createMarketDataServiceRoutes(
      handler({
        streamQuotes: async function* () {
          yield quote(1);
        },
      }),
    );
    const router = createRouter(routes);
    const response = await router(new Request("http://in.process/api/v1/quotes/AAPL/stream", { headers: sseHeaders }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("connection"), null);
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    const text = await response.text();
    assert.match(text, /^data: \{"symbol":"AAPL","bid":1,"ask":2\}\n\n/);
  });

  test("a heartbeat commits the stream before the first event", async () => {
    const entered = deferred();
    await withServer(
      {
        // eslint-disable-next-line require-yield
        streamQuotes: async function* (_req, ctx) {
          entered.resolve();
          await aborted(ctx.signal);
        },
      },
      async (h) => {
        const controller = new AbortController();
        // Resolves only once the status line is out, which only a heartbeat can cause here.
        const response = await fetch(streamUrl(h), { headers: sseHeaders, signal: controller.signal });
        assert.equal(response.status, 200);
        const text = await readTextUntil(response, (t) => t.includes(":"));
        assert.match(text, /^:/m);
        controller.abort();
      },
      { routes: { heartbeatIntervalMs: 10 } },
    );
  });

  test("the client resumes with an explicit lastEventId", async () => {
    let lastEventId: string | undefined;
    let header: string | null = null;
    await withServer(
      {
        streamQuotes: async function* (_req, ctx) {
          lastEventId = ctx.lastEventId;
          header = ctx.request.headers.get("last-event-id");
          yield quote(42);
        },
      },
      async (h) => {
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" }, { lastEventId: "41" })) assert.equal(q.bid, 42);
        assert.equal(lastEventId, "41");
        assert.equal(header, "41");
      },
    );
  });
});

describe("stream errors", () => {
  test("an error before the first event is an HTTP error: ValidationError", async () => {
    await withServer(
      {
        // eslint-disable-next-line require-yield
        streamQuotes: async function* () {
          throw new ValidationError([{ field: "symbol", description: "not listed" }]);
        },
      },
      async (h) => {
        const response = await fetch(streamUrl(h), { headers: sseHeaders });
        assert.equal(response.status, 400);
        assert.deepEqual(await response.json(), { violations: [{ field: "symbol", description: "not listed" }] });
        await assert.rejects(
          (async () => {
            for await (const _ of h.client.streamQuotes({ symbol: "AAPL" }, { reconnect: { maxAttempts: 3, initialDelayMs: 1 } })) {
              assert.fail("no event expected");
            }
          })(),
          (error: unknown) => error instanceof ValidationError && error.violations[0]?.field === "symbol",
        );
        assert.equal(h.server.requests.length, 2, "one raw request, one client request: no reconnection after a non-2xx");
      },
    );
  });

  test("an error before the first event is an HTTP error: ApiError status, sync throw", async () => {
    await withServer(
      {
        streamQuotes: () => {
          throw new ApiError(403, { message: "not entitled" });
        },
      },
      async (h) => {
        await assert.rejects(
          (async () => {
            for await (const _ of h.client.streamQuotes({ symbol: "AAPL" })) assert.fail("no event expected");
          })(),
          (error: unknown) => {
            assert.ok(error instanceof ApiError, String(error));
            assert.equal(error.status, 403);
            assert.deepEqual(error.body, { message: "not entitled" });
            return true;
          },
        );
      },
    );
  });

  test("a missing required header on a stream -> 400 naming it", async () => {
    await withServer({ streamQuotes: async function* () {} }, async (h) => {
      const bare = new MarketDataServiceClient(h.url);
      await assert.rejects(
        (async () => {
          for await (const _ of bare.streamQuotes({ symbol: "AAPL" })) assert.fail("no event expected");
        })(),
        (error: unknown) => error instanceof ValidationError && error.violations[0]?.field === "X-API-Key",
      );
    });
  });

  test("a non-event-stream 200 is a typed HTTP error", async () => {
    const client = new MarketDataServiceClient("http://fake.invalid", {
      fetch: async () => new Response('{"symbol":"AAPL"}', { status: 200, headers: { "content-type": "application/json" } }),
    });
    await assert.rejects(
      (async () => {
        for await (const _ of client.streamQuotes({ symbol: "AAPL" })) assert.fail("no event expected");
      })(),
      (error: unknown) => error instanceof ApiError,
    );
  });

  for (const [name, thrown, check] of [
    [
      "ApiError",
      () => new ApiError(409, { message: "halted" }),
      (e: unknown) => e instanceof ApiError && (e.body as { message?: string }).message === "halted",
    ],
    [
      "ValidationError",
      () => new ValidationError([{ field: "throttle_ms", description: "too low" }]),
      (e: unknown) => e instanceof ValidationError && e.violations[0]?.field === "throttle_ms",
    ],
    ["plain Error", () => new Error("feed died"), (e: unknown) => e instanceof ApiError],
  ] as const) {
    test(`an error after the first event (${name}) is thrown from the for-await`, async () => {
      await withServer(
        {
          streamQuotes: async function* () {
            yield quote(1);
            throw thrown();
          },
        },
        async (h) => {
          const got: number[] = [];
          await assert.rejects(
            (async () => {
              for await (const q of h.client.streamQuotes({ symbol: "AAPL" }, { reconnect: { maxAttempts: 3, initialDelayMs: 1 } })) {
                got.push(q.bid ?? -1);
              }
            })(),
            (error: unknown) => {
              assert.ok(check(error), `unexpected error ${String(error)}`);
              return true;
            },
          );
          assert.deepEqual(got, [1]);
          assert.equal(h.server.requests.length, 1, "no reconnection after event: error");
          // On the wire: a reserved error event whose data is the unary error body.
          const response = await fetch(streamUrl(h), { headers: sseHeaders });
          const text = await response.text();
          assert.match(text, /(^|\n)event: error\ndata: \{[^\n]*\}\n\n$/);
        },
      );
    });
  }

  test("after the commit, onError's answer becomes the error event", async () => {
    await withServer(
      {
        streamQuotes: async function* () {
          yield quote(1);
          throw new Error("feed died");
        },
      },
      async (h) => {
        await assert.rejects(
          (async () => {
            for await (const _ of h.client.streamQuotes({ symbol: "AAPL" })) {
              // Only the first event arrives.
            }
          })(),
          (error: unknown) => {
            assert.ok(error instanceof ApiError, String(error));
            assert.deepEqual(error.body, { message: "custom: Error: feed died" });
            return true;
          },
        );
      },
      {
        routes: {
          onError: (error: unknown) =>
            new Response(JSON.stringify({ message: `custom: ${String(error)}` }), { status: 503 }),
        },
      },
    );
  });

  for (const [name, event] of [
    ["reserved name", { event: "error" }],
    ["name with LF", { event: "a\nb" }],
    ["id with CR", { id: "1\r2" }],
    ["id with NUL", { id: "1\u00002" }],
  ] as const) {
    test(`a ${name} is refused at send time`, async () => {
      await withServer(
        {
          streamQuotes: async function* () {
            yield serverEvent(quote(1), event);
          },
        },
        async (h) => {
          const response = await fetch(streamUrl(h), { headers: sseHeaders });
          // Refused before anything was committed: an ordinary 500.
          assert.equal(response.status, 500);
          await response.body?.cancel();
        },
      );
    });
  }
});

describe("stream cancellation", () => {
  test("break from for-await runs the handler's finally and closes the server-side socket", async () => {
    let finallyRan = false;
    let signalAborted = false;
    await withServer(
      {
        streamQuotes: async function* (_req, ctx) {
          ctx.signal.addEventListener("abort", () => (signalAborted = true));
          try {
            for (let i = 1; ; i++) yield quote(i);
          } finally {
            finallyRan = true;
          }
        },
      },
      async (h) => {
        const bids: number[] = [];
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" })) {
          bids.push(q.bid ?? -1);
          if (bids.length === 3) break;
        }
        assert.deepEqual(bids, [1, 2, 3]);
        await waitFor(() => finallyRan, "the handler iterator's finally ran");
        await waitFor(() => signalAborted, "ctx.signal aborted");
        const request = h.server.requests.at(-1);
        assert.ok(request);
        await waitFor(() => h.server.socketOf(request)?.destroyed === true, "the server-side socket closed");
      },
    );
  });

  test("break while the handler is blocked aborts ctx.signal", async () => {
    let finallyRan = false;
    await withServer(
      {
        streamQuotes: async function* (_req, ctx) {
          try {
            yield quote(1);
            await aborted(ctx.signal);
          } finally {
            finallyRan = true;
          }
        },
      },
      async (h) => {
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" })) {
          assert.equal(q.bid, 1);
          break;
        }
        await waitFor(() => finallyRan, "the blocked handler was released by ctx.signal");
      },
    );
  });

  test("an AbortSignal ends the loop promptly and cancels the handler", async () => {
    let finallyRan = false;
    await withServer(
      {
        streamQuotes: async function* (_req, ctx) {
          try {
            yield quote(1);
            await aborted(ctx.signal);
          } finally {
            finallyRan = true;
          }
        },
      },
      async (h) => {
        const controller = new AbortController();
        const got: number[] = [];
        await assert.rejects(
          (async () => {
            for await (const q of h.client.streamQuotes({ symbol: "AAPL" }, { signal: controller.signal })) {
              got.push(q.bid ?? -1);
              // Aborted while the loop waits for the next event, which never comes.
              setImmediate(() => controller.abort());
            }
          })(),
          (error: unknown) => (error as Error).name === "AbortError",
        );
        assert.deepEqual(got, [1]);
        await waitFor(() => finallyRan, "the handler was cancelled");
      },
    );
  });

  test("an already-aborted signal never calls the handler", async () => {
    let called = false;
    await withServer(
      {
        streamQuotes: async function* () {
          called = true;
          yield quote(1);
        },
      },
      async (h) => {
        const controller = new AbortController();
        controller.abort();
        await assert.rejects(
          (async () => {
            for await (const _ of h.client.streamQuotes({ symbol: "AAPL" }, { signal: controller.signal })) assert.fail("no event");
          })(),
          (error: unknown) => (error as Error).name === "AbortError",
        );
        assert.equal(called, false);
      },
    );
  });
});

describe("stream reconnection", () => {
  // First connection: ids 1..3, then blocks until the client goes away. Later connections resume
  // after Last-Event-ID up to 5 and end.
  function resumable(connections: string[], finallies: { count: number }): Partial<Handler> {
    return {
      streamQuotes: async function* (req, ctx) {
        const resumeAfter = ctx.lastEventId ?? "";
        connections.push(resumeAfter);
        try {
          const from = resumeAfter === "" ? 1 : Number(resumeAfter) + 1;
          for (let i = from; i <= 5; i++) {
            yield serverEvent(quote(i, req.symbol ?? ""), { id: String(i) });
            if (i === 3 && connections.length === 1) {
              await aborted(ctx.signal);
              return;
            }
          }
        } finally {
          finallies.count++;
        }
      },
    };
  }

  test("a server-side drop reconnects with Last-Event-ID and continues", async () => {
    const connections: string[] = [];
    const finallies = { count: 0 };
    await withServer(resumable(connections, finallies), async (h) => {
      const events = [];
      for await (const event of h.client.streamQuotesEvents(
        { symbol: "AAPL" },
        { reconnect: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } },
      )) {
        events.push(event);
        // The network fails under the first connection right after event 3.
        if (event.id === "3" && connections.length === 1) h.server.destroyConnections();
      }
      assert.deepEqual(
        events.map((e) => [e.id, e.data.bid]),
        [
          ["1", 1],
          ["2", 2],
          ["3", 3],
          ["4", 4],
          ["5", 5],
        ],
      );
      assert.deepEqual(connections, ["", "3"]);
      assert.equal(h.server.requests[1]?.headers.get("last-event-id"), "3");
      await waitFor(() => finallies.count === 2, "both handler runs finished");
    });
  });

  test("reconnection is configurable on the client as a default", async () => {
    const connections: string[] = [];
    await withServer(resumable(connections, { count: 0 }), async (h) => {
      const client = new MarketDataServiceClient(h.url, {
        headers: { "X-API-Key": API_KEY },
        reconnect: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
      });
      const ids: string[] = [];
      for await (const event of client.streamQuotesEvents({ symbol: "AAPL" })) {
        ids.push(event.id);
        if (event.id === "3" && connections.length === 1) h.server.destroyConnections();
      }
      assert.deepEqual(ids, ["1", "2", "3", "4", "5"]);
    });
  });

  test("the reconnection delay is never below the server's retry", async () => {
    const RETRY_MS = 200;
    const connections: string[] = [];
    let droppedAt = 0;
    let reconnectedAt = 0;
    await withServer(
      {
        streamQuotes: async function* (_req, ctx) {
          connections.push(ctx.lastEventId ?? "");
          if (connections.length > 1) {
            reconnectedAt = Date.now();
            return;
          }
          ctx.setRetry(RETRY_MS);
          yield serverEvent(quote(1), { id: "1" });
          await aborted(ctx.signal);
        },
      },
      async (h) => {
        for await (const _ of h.client.streamQuotes({ symbol: "AAPL" }, { reconnect: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 } })) {
          droppedAt = Date.now();
          h.server.destroyConnections();
        }
        assert.deepEqual(connections, ["", "1"]);
        // A lower bound only (timers never fire early), with a margin for clock granularity.
        assert.ok(reconnectedAt - droppedAt >= RETRY_MS - 20, `reconnected after ${reconnectedAt - droppedAt} ms`);
      },
    );
  });

  test("without a reconnect policy a dropped connection throws StreamInterruptedError", async () => {
    const connections: string[] = [];
    const finallies = { count: 0 };
    await withServer(resumable(connections, finallies), async (h) => {
      const ids: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const event of h.client.streamQuotesEvents({ symbol: "AAPL" })) {
            ids.push(event.id);
            if (event.id === "3") h.server.destroyConnections();
          }
        })(),
        (error: unknown) => error instanceof StreamInterruptedError,
      );
      assert.deepEqual(ids, ["1", "2", "3"]);
      assert.equal(connections.length, 1);
      await waitFor(() => finallies.count === 1, "the handler run finished");
    });
  });

  test("giving up after maxAttempts throws StreamInterruptedError", async () => {
    const h = await start({
      streamQuotes: async function* (_req, ctx) {
        yield serverEvent(quote(1), { id: "1" });
        await aborted(ctx.signal);
      },
    });
    let attempts = 0;
    const client = new MarketDataServiceClient(h.url, {
      headers: { "X-API-Key": API_KEY },
      fetch: (input, init) => {
        attempts++;
        return fetch(input, init);
      },
    });
    try {
      await assert.rejects(
        (async () => {
          for await (const _ of client.streamQuotes({ symbol: "AAPL" }, { reconnect: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 } })) {
            // The server goes away for good: every reconnection is refused.
            await h.close();
          }
        })(),
        (error: unknown) => error instanceof StreamInterruptedError,
      );
      assert.equal(attempts, 3, "the first connection and two reconnection attempts");
    } finally {
      await h.close();
    }
  });
});

describe("stream sizes", () => {
  test("an 8 MiB event round-trips with default options", async () => {
    const big = "Q".repeat(8 << 20);
    await withServer(
      {
        streamQuotes: async function* () {
          yield quote(1, big);
          yield quote(2);
        },
      },
      async (h) => {
        const got: Quote[] = [];
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" })) got.push(q);
        assert.equal(got.length, 2);
        assert.equal(got[0]?.symbol?.length, big.length);
        assert.ok(got[0]?.symbol === big);
        assert.deepEqual(got[1], quote(2));
      },
    );
  });

  test("maxEventSize: an oversized event fails with EventTooLargeError and cancels the stream", async () => {
    let finallyRan = false;
    // The big event is sent only once the client has the first, so both never share a read.
    let clientGotFirst = deferred();
    await withServer(
      {
        streamQuotes: async function* () {
          try {
            yield quote(1);
            await clientGotFirst.promise;
            yield quote(2, "S".repeat(4096));
            // Endless: only the client's cancellation can end this handler.
            for (let i = 3; ; i++) yield quote(i);
          } finally {
            finallyRan = true;
          }
        },
      },
      async (h) => {
        for (const [where, client, options] of [
          ["client option", new MarketDataServiceClient(h.url, { headers: { "X-API-Key": API_KEY }, maxEventSize: 1024 }), {}],
          ["call option", h.client, { maxEventSize: 1024 }],
        ] as const) {
          finallyRan = false;
          clientGotFirst = deferred();
          const got: number[] = [];
          await assert.rejects(
            (async () => {
              for await (const q of client.streamQuotes({ symbol: "AAPL" }, options)) {
                got.push(q.bid ?? -1);
                clientGotFirst.resolve();
              }
            })(),
            (error: unknown) => error instanceof EventTooLargeError && error.limit === 1024,
            where,
          );
          assert.deepEqual(got, [1], where);
          await waitFor(() => finallyRan, `${where}: the server-side stream was cancelled`);
        }
      },
    );
  });

  test("maxEventSize: events completed before the oversized one in the same read are delivered", async () => {
    // One body chunk holding a small event and then an oversized one.
    const body = new TextEncoder().encode(`data: {"bid":1}\n\ndata: {"symbol":"${"S".repeat(4096)}"}\n\n`);
    const client = new MarketDataServiceClient("http://fake.invalid", {
      maxEventSize: 1024,
      fetch: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(body);
              controller.close();
            },
          }),
          { status: 200, headers: { "content-type": "text/event-stream" } },
        ),
    });
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const q of client.streamQuotes({ symbol: "AAPL" })) got.push(q.bid ?? -1);
      })(),
      (error: unknown) => error instanceof EventTooLargeError,
    );
    assert.deepEqual(got, [1]);
  });
});

describe("stream backpressure", () => {
  // Events of this size fill socket buffers after a few dozen, so the adapter soon waits on 'drain'.
  const PAYLOAD = "B".repeat(64 * 1024);
  // How many events the server may have taken from the handler beyond what it wrote to the socket:
  // a pull-based pipeline holds a handful (stream queue, one in flight); a push-based one is unbounded.
  const BOUND = 8;

  for (const kind of ["async generator", "ReadableStream"] as const) {
    test(`a client that stops reading stops the server pulling from the handler (${kind})`, async () => {
      let produced = 0;
      let finished = false;
      const next = (): Quote => {
        produced++;
        return quote(produced, PAYLOAD);
      };
      const impl: Partial<Handler> =
        kind === "async generator"
          ? {
              streamQuotes: async function* () {
                try {
                  for (;;) yield next();
                } finally {
                  finished = true;
                }
              },
            }
          : {
              streamQuotes: () =>
                new ReadableStream<Quote>(
                  {
                    pull(controller) {
                      controller.enqueue(next());
                    },
                    cancel() {
                      finished = true;
                    },
                  },
                  { highWaterMark: 1 },
                ),
            };

      // Complete events the adapter pulled from the response body: with heartbeats off, every frame
      // ends with a blank line, and compact JSON never contains one.
      let written = 0;
      let endedWithLf = false;
      const countFrames = (chunk: Uint8Array): void => {
        for (let i = 0; i < chunk.length; i++) {
          const lf = chunk[i] === 0x0a;
          if (lf && endedWithLf) {
            written++;
            endedWithLf = false;
          } else {
            endedWithLf = lf;
          }
        }
      };
      await withServer(
        impl,
        async (h) => {
          const port = Number(new URL(h.url).port);
          const socket = net.connect(port, "127.0.0.1");
          socket.setEncoding("latin1");
          // Checks, as data arrives, that bids are consecutive: nothing lost or reordered.
          let tail = "";
          let lastBid = 0;
          let disorder = "";
          socket.on("data", (chunk: string) => {
            const text = tail + chunk;
            for (const match of text.matchAll(/"bid":(\d+),/g)) {
              if (match.index + match[0].length <= tail.length) continue;
              const bid = Number(match[1]);
              if (bid !== lastBid + 1 && disorder === "") disorder = `bid ${bid} after ${lastBid}`;
              lastBid = bid;
            }
            tail = text.slice(-32);
          });
          const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
          socket.write(
            "GET /api/v1/quotes/AAPL/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
              `X-API-Key: ${API_KEY}\r\nAccept: text/event-stream\r\n\r\n`,
          );
          try {
            await waitFor(() => lastBid >= 1, "the first event");
            // Stop reading: the kernel buffers fill, then the adapter's writes report backpressure.
            socket.pause();
            await waitFor(() => h.server.stats.waitingForDrain > 0, "the adapter blocked on 'drain'");
            // Give a push-based producer every chance to run ahead (event-loop turns, then time).
            for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
            await new Promise((resolve) => setTimeout(resolve, 200));
            const ahead = produced - written;
            assert.ok(ahead >= 0 && ahead <= BOUND, `produced ${produced}, written ${written}: ${ahead} ahead`);

            // Reading again resumes the flow, with nothing lost or reordered.
            const before = produced;
            socket.resume();
            await waitFor(() => produced >= before + 20 && lastBid >= before + 10, "the stream resumed");
            assert.equal(disorder, "");
          } finally {
            socket.destroy();
            await closed;
          }
          await waitFor(() => finished, "the handler was cancelled after the client left");
        },
        {
          routes: { heartbeatIntervalMs: 0 },
          serve: { onBodyChunk: (_request, chunk) => countFrames(chunk) },
        },
      );
    });
  }
});

describe("stream batching", () => {
  test("items the handler has ready go out together, in order, none lost", async () => {
    const count = 500;
    let chunks = 0;
    await withServer(
      {
        streamQuotes: async function* () {
          for (let bid = 1; bid <= count; bid++) yield quote(bid);
        },
      },
      async (h) => {
        const bids: number[] = [];
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" })) bids.push(q.bid ?? 0);
        assert.deepEqual(
          bids,
          Array.from({ length: count }, (_, i) => i + 1),
        );
        // One body chunk per item would be `count` chunks; a batch holds many small events.
        assert.ok(chunks < count / 10, `${chunks} body chunks for ${count} events`);
      },
      {
        serve: {
          onBodyChunk: () => {
            chunks++;
          },
        },
      },
    );
  });

  test("an item goes out at once when the handler's next one is not ready", async () => {
    // The handler waits for the client to have read its second event (the first commits the
    // stream on its own): a batch that waited for more items would never send it.
    const seen = deferred();
    await withServer(
      {
        streamQuotes: async function* () {
          yield quote(1);
          yield quote(2);
          await seen.promise;
          yield quote(3);
        },
      },
      async (h) => {
        const bids: number[] = [];
        for await (const q of h.client.streamQuotes({ symbol: "AAPL" })) {
          bids.push(q.bid ?? 0);
          if (q.bid === 2) seen.resolve();
        }
        assert.deepEqual(bids, [1, 2, 3]);
      },
      { routes: { heartbeatIntervalMs: 0 } },
    );
  });
});
