// What a production service needs of the generated TypeScript server: errors that leak nothing,
// error events that survive hostile thrown values.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import type { Quote } from "../gen/market/v1/market_data.js";
import { ApiError } from "../gen/market/v1/ssegen_errors.js";
import type { ServerInterceptor } from "../gen/market/v1/ssegen_server_runtime.js";
import { API_KEY, failOnUnhandled, start, type Harness, type StartOptions, type Handler } from "./helpers.js";

failOnUnhandled();

const SECRET = "postgres://admin:hunter2@10.0.0.7/prices";
const quote = (bid: number): Quote => ({ symbol: "AAPL", bid, ask: bid + 1 });
const sseHeaders = { "X-API-Key": API_KEY, Accept: "text/event-stream" };

async function withServer(impl: Partial<Handler>, body: (h: Harness) => Promise<void>, options: StartOptions = {}): Promise<void> {
  const h = await start(impl, options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

// A thrown value that breaks every attempt to print it.
function hostile(): unknown {
  return {
    toString(): string {
      throw new Error("toString exploded");
    },
    get message(): string {
      throw new Error("message exploded");
    },
  };
}

describe("safe errors", () => {
  test("a plain throw is a generic 500; onError sees the original", async () => {
    const seen: unknown[] = [];
    await withServer(
      { getInstrument: async () => Promise.reject(new Error("cannot reach " + SECRET)) },
      async (h) => {
        await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "X" }), (error: unknown) => {
          assert.ok(error instanceof ApiError);
          assert.equal(error.status, 500);
          assert.deepEqual(error.body, { message: "internal server error" });
          return true;
        });
        const response = await fetch(`${h.url}/api/v1/venues/VENUE_XNAS/instruments/X`, { headers: { "X-API-Key": API_KEY } });
        const text = await response.text();
        assert.equal(response.status, 500);
        assert.ok(!text.includes("hunter2"), text);
        assert.equal(seen.length, 2);
        assert.match(String(seen[0]), /hunter2/);
      },
      { routes: { onError: (error) => void seen.push(error) } },
    );
  });

  test("an error event carries the generic message", async () => {
    await withServer(
      {
        streamQuotes: async function* () {
          yield quote(1);
          throw new Error("lost " + SECRET);
        },
      },
      async (h) => {
        const response = await fetch(`${h.url}/api/v1/quotes/AAPL/stream`, { headers: sseHeaders });
        const text = await response.text();
        assert.match(text, /\nevent: error\ndata: \{"message":"internal server error"\}\n\n$/);
        assert.ok(!text.includes("hunter2"), text);
      },
    );
  });

  test("a thrown value whose toString throws still becomes an error event after the events sent", async () => {
    await withServer(
      {
        streamQuotes: async function* () {
          yield quote(1);
          throw hostile();
        },
        getInstrument: async () => Promise.reject(hostile()),
      },
      async (h) => {
        const got: number[] = [];
        await assert.rejects(
          (async () => {
            for await (const q of h.client.streamQuotes({ symbol: "AAPL" })) got.push(q.bid ?? -1);
          })(),
          (error: unknown) => error instanceof ApiError && (error.body as { message?: string }).message === "internal server error",
        );
        assert.deepEqual(got, [1]);
        await assert.rejects(
          h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "X" }),
          (error: unknown) => error instanceof ApiError && error.status === 500,
        );
      },
      // A hook that fails on the value too.
      { routes: { onError: (error) => void String(error) } },
    );
  });
});

describe("interceptors and headers", () => {
  test("interceptors see method, message and headers, reject, short-circuit and pass on; handlers set response headers", async () => {
    const trace: string[] = [];
    let handled = 0;
    const logging: ServerInterceptor = async (call, next) => {
      trace.push(`before ${call.method} ${call.streaming} ${(call.message as { symbol?: string }).symbol ?? ""}`);
      try {
        return await next();
      } finally {
        trace.push("after");
      }
    };
    const auth: ServerInterceptor = async (call, next) => {
      if (call.request.headers.get("X-API-Key") !== API_KEY) throw new ApiError(401, { message: "bad key" });
      call.responseHeaders.set("X-Authenticated", "yes");
      return next();
    };
    const cache: ServerInterceptor = async (call, next) =>
      (call.message as { symbol?: string }).symbol === "CACHED" ? { symbol: "CACHED", name: "from cache" } : next();
    await withServer(
      {
        getInstrument: async (request, context) => {
          handled++;
          context.responseHeaders.set("X-Key-Seen", context.request.headers.get("X-API-Key") ?? "");
          if (request.symbol === "FAIL") {
            context.responseHeaders.set("WWW-Authenticate", 'Bearer realm="market"');
            throw new ApiError(403, { message: "no" });
          }
          return { symbol: request.symbol ?? "", name: "handler" };
        },
        streamQuotes: async function* (_request, context) {
          handled++;
          context.responseHeaders.set("X-Key-Seen", context.request.headers.get("X-API-Key") ?? "");
          yield quote(1);
        },
      },
      async (h) => {
        assert.equal((await h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "X" })).name, "handler");
        assert.equal((await h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "CACHED" })).name, "from cache");
        const bids: number[] = [];
        for await (const q of h.client.streamQuotes({ symbol: "S" })) bids.push(q.bid ?? -1);
        assert.deepEqual(bids, [1]);
        assert.equal(handled, 2);

        const unary = await fetch(`${h.url}/api/v1/venues/VENUE_XNAS/instruments/X`, { headers: { "X-API-Key": API_KEY } });
        assert.equal(unary.headers.get("X-Key-Seen"), API_KEY);
        assert.equal(unary.headers.get("X-Authenticated"), "yes");
        assert.equal(unary.headers.get("Content-Type"), "application/json");
        const failed = await fetch(`${h.url}/api/v1/venues/VENUE_XNAS/instruments/FAIL`, { headers: { "X-API-Key": API_KEY } });
        assert.equal(failed.status, 403);
        assert.equal(failed.headers.get("WWW-Authenticate"), 'Bearer realm="market"');
        const stream = await fetch(`${h.url}/api/v1/quotes/S/stream`, { headers: sseHeaders });
        assert.equal(stream.headers.get("X-Key-Seen"), API_KEY);
        assert.equal(stream.headers.get("Content-Type"), "text/event-stream");
        await stream.text();
        handled = 0;

        const denied = { headers: { "X-API-Key": "wrong" } };
        await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "X" }, denied), (e: unknown) => e instanceof ApiError && e.status === 401);
        await assert.rejects(
          (async () => {
            for await (const _ of h.client.streamQuotes({ symbol: "S" }, denied)) assert.fail("an event for a rejected call");
          })(),
          (e: unknown) => e instanceof ApiError && e.status === 401,
        );
        assert.equal(handled, 0, "a rejected call reached its handler");
        assert.deepEqual(trace.slice(0, 6), [
          "before market.v1.MarketDataService.GetInstrument false X",
          "after",
          "before market.v1.MarketDataService.GetInstrument false CACHED",
          "after",
          "before market.v1.MarketDataService.StreamQuotes true S",
          "after",
        ]);
      },
      { routes: { interceptors: [logging, auth, cache] } },
    );
  });
});
