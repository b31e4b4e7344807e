// What a production service needs of the generated TypeScript server: errors that leak nothing,
// error events that survive hostile thrown values.
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";

import { MarketDataServiceClient } from "../gen/market/v1/market_data.client.js";
import type { Quote } from "../gen/market/v1/market_data.js";
import type { ClientInterceptor, ResponseInfo } from "../gen/market/v1/ssegen_client_runtime.js";
import { ApiError, StreamInterruptedError } from "../gen/market/v1/ssegen_errors.js";
import { createMarketDataServiceRoutes } from "../gen/market/v1/market_data.server.js";
import { serveNode } from "../gen/market/v1/ssegen_node.js";
import { createRouter, type ServerInterceptor } from "../gen/market/v1/ssegen_server_runtime.js";
import { API_KEY, failOnUnhandled, handler, start, waitFor, type Harness, type StartOptions, type Handler } from "./helpers.js";

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

describe("Go = TS decisions", () => {
  test("HEAD on a GET route: status and headers without a body, unary and stream; 405 lists HEAD", async () => {
    let streamCancelled = false;
    await withServer(
      {
        getInstrument: async () => ({ symbol: "X" }),
        streamQuotes: async function* (_request, context) {
          context.responseHeaders.set("X-Seen", "yes");
          try {
            yield quote(1);
            await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
          } finally {
            streamCancelled = true;
          }
        },
      },
      async (h) => {
        const unary = await fetch(`${h.url}/api/v1/venues/VENUE_XNAS/instruments/X`, { method: "HEAD", headers: { "X-API-Key": API_KEY } });
        assert.equal(unary.status, 200);
        assert.equal(unary.headers.get("Content-Type"), "application/json");
        assert.equal(await unary.text(), "");
        const stream = await fetch(`${h.url}/api/v1/quotes/X/stream`, { method: "HEAD", headers: sseHeaders });
        assert.equal(stream.status, 200);
        assert.equal(stream.headers.get("Content-Type"), "text/event-stream");
        assert.equal(stream.headers.get("X-Seen"), "yes");
        assert.equal(await stream.text(), "");
        await waitFor(() => streamCancelled, "the stream handler of a HEAD request to be cancelled");
        const wrong = await fetch(`${h.url}/api/v1/instruments`, { method: "DELETE" });
        assert.equal(wrong.status, 405);
        assert.equal(wrong.headers.get("Allow"), "GET, HEAD");
        assert.deepEqual(await wrong.json(), { message: "method DELETE not allowed; use GET, HEAD" });
        const missing = await fetch(`${h.url}/api/v1/nothing`);
        assert.equal(missing.status, 404);
        assert.deepEqual(await missing.json(), { message: "no route for GET /api/v1/nothing" });
      },
    );
  });

  test("an enum in the path may be a declared number, not an undeclared one", async () => {
    await withServer({ getInstrument: async (request) => ({ symbol: request.symbol ?? "", venue: request.venue ?? "VENUE_UNSPECIFIED" }) }, async (h) => {
      const declared = await fetch(`${h.url}/api/v1/venues/2/instruments/X`, { headers: { "X-API-Key": API_KEY } });
      assert.equal(declared.status, 200);
      assert.equal(((await declared.json()) as { venue?: string }).venue, "VENUE_XNYS");
      const undeclared = await fetch(`${h.url}/api/v1/venues/99/instruments/X`, { headers: { "X-API-Key": API_KEY } });
      assert.equal(undeclared.status, 400);
    });
  });

  test("an event whose data is not a JSON object is an error, not a message", async () => {
    for (const data of ["null", "5", '"text"', "[]"]) {
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.end(`data: ${data}\n\n`);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const client = new MarketDataServiceClient(`http://127.0.0.1:${port}`);
        await assert.rejects(
          (async () => {
            for await (const q of client.streamQuotes({ symbol: "X" })) assert.fail(`data: ${data} was yielded as ${JSON.stringify(q)}`);
          })(),
          (error: unknown) => error instanceof ApiError,
        );
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});

// A plain node:http server for answers the generated server never gives.
async function withPlainServer(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  body: (url: string) => Promise<void>,
): Promise<void> {
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await body(`http://127.0.0.1:${port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("client", () => {
  test("interceptors see every request and its response; onResponse gives unary headers; requestInit passes through", async () => {
    const seen: string[] = [];
    const inits: RequestInit[] = [];
    const auth: ClientInterceptor = async (request, next) => {
      request.init.headers.set("X-Token", "tok");
      const response = await next(request);
      seen.push(`${request.method} ${request.streaming} ${response.status} ${response.headers.get("X-Trace") ?? ""}`);
      return response;
    };
    const refuse: ClientInterceptor = async (request, next) => {
      if (request.url.includes("/LOCAL")) throw new Error("refused by the client");
      return next(request);
    };
    await withServer(
      {
        getInstrument: async (request, context) => {
          context.responseHeaders.set("X-Trace", "t-1");
          if (request.symbol === "GONE") throw new ApiError(404, { message: "gone" });
          return { symbol: request.symbol ?? "", name: context.request.headers.get("X-Token") ?? "" };
        },
        streamQuotes: async function* (_request, context) {
          context.responseHeaders.set("X-Trace", "t-2");
          yield { symbol: context.request.headers.get("X-Token") ?? "" };
        },
      },
      async (h) => {
        const infos: ResponseInfo[] = [];
        const got = await h.client.getInstrument(
          { venue: "VENUE_XNAS", symbol: "X" },
          { onResponse: (info) => infos.push(info), requestInit: { cache: "no-store" } },
        );
        assert.equal(got.name, "tok");
        assert.equal(infos[0]?.status, 200);
        assert.equal(infos[0]?.headers.get("X-Trace"), "t-1");
        await assert.rejects(
          h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "GONE" }, { onResponse: (info) => infos.push(info) }),
          (e: unknown) => e instanceof ApiError && e.status === 404,
        );
        assert.equal(infos[1]?.status, 404);
        await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "LOCAL" }), /refused by the client/);
        const symbols: string[] = [];
        for await (const q of h.client.streamQuotes({ symbol: "S" })) symbols.push(q.symbol ?? "");
        assert.deepEqual(symbols, ["tok"]);
        assert.deepEqual(seen, [
          "market.v1.MarketDataService.GetInstrument false 200 t-1",
          "market.v1.MarketDataService.GetInstrument false 404 t-1",
          "market.v1.MarketDataService.StreamQuotes true 200 t-2",
        ]);
        assert.equal(inits[0]?.credentials, "include");
        assert.equal(inits[0]?.cache, "no-store");
        assert.equal(inits[0]?.keepalive, true);
      },
      {
        client: {
          interceptors: [auth, refuse],
          requestInit: { credentials: "include", keepalive: true, cache: "default" },
          fetch: (async (input: string, init: RequestInit) => {
            inits.push(init);
            // Node's fetch does not implement every RequestInit option; only what the client passes matters here.
            const { credentials: _c, keepalive: _k, cache: _cache, ...rest } = init;
            return fetch(input, rest);
          }) as typeof fetch,
        },
      },
    );
  });

  test("timeoutMs per client and per call rejects with a TimeoutError", async () => {
    await withServer(
      {
        getInstrument: async (_request, context) =>
          new Promise((_, reject) => context.signal.addEventListener("abort", () => reject(new Error("client left")))),
        streamQuotes: async function* (_request, context) {
          await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
        },
      },
      async (h) => {
        await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "X" }), (e: unknown) => (e as Error).name === "TimeoutError");
        await assert.rejects(
          h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "X" }, { timeoutMs: 30 }),
          (e: unknown) => (e as Error).name === "TimeoutError" && /30 ms/.test((e as Error).message),
        );
        await assert.rejects(
          (async () => {
            for await (const _ of h.client.streamQuotes({ symbol: "S" }, { timeoutMs: 30 })) assert.fail("an event");
          })(),
          (e: unknown) => e instanceof StreamInterruptedError && (e.reason as Error).name === "TimeoutError",
        );
      },
      { client: { timeoutMs: 50 } },
    );
  });

  test("a stream answered by an endless non-SSE body fails with a typed error, reading a bounded amount", async () => {
    let written = 0;
    await withPlainServer(
      (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/html" });
        const chunk = Buffer.alloc(64 * 1024, "<p>");
        const write = (): void => {
          while (!res.destroyed && res.write(chunk)) written += chunk.length;
          if (!res.destroyed) res.once("drain", write);
        };
        write();
      },
      async (url) => {
        const client = new MarketDataServiceClient(url);
        await assert.rejects(
          (async () => {
            for await (const _ of client.streamQuotes({ symbol: "X" })) assert.fail("an event");
          })(),
          (e: unknown) => e instanceof ApiError && e.status === 200 && /text\/html/.test(e.message),
        );
        assert.ok(written < 64 * 1024 * 1024, `the client read ${written} bytes`);
      },
    );
  });

  test("an abort while the error body is read rejects with the abort reason", async () => {
    for (const status of [200, 503]) {
      await withPlainServer(
        (_req, res) => {
          res.writeHead(status, { "Content-Type": "text/html" });
          res.write("<p>slow"); // and never more
        },
        async (url) => {
          const client = new MarketDataServiceClient(url);
          const controller = new AbortController();
          const reason = new Error("user navigated away");
          const onResponse = (): void => void setTimeout(() => controller.abort(reason), 20);
          await assert.rejects(
            (async () => {
              for await (const _ of client.streamQuotes({ symbol: "X" }, { signal: controller.signal, onResponse })) assert.fail("an event");
            })(),
            (e: unknown) => e === reason,
          );
        },
      );
    }
  });
});

describe("the generated Node adapter", () => {
  test("serveNode serves a router on loopback; a throwing handler gets the generic 500", async () => {
    const routes = createMarketDataServiceRoutes(handler({ getInstrument: async (request) => ({ symbol: request.symbol ?? "" }) }));
    const router = createRouter(routes);
    const node = await serveNode(async (request) => {
      if (new URL(request.url).pathname === "/explode") throw new Error("adapter " + SECRET);
      return router(request);
    });
    try {
      const client = new MarketDataServiceClient(node.url, { headers: { "X-API-Key": API_KEY } });
      assert.equal((await client.getInstrument({ venue: "VENUE_XNAS", symbol: "N" })).symbol, "N");
      const exploded = await fetch(`${node.url}/explode`);
      assert.equal(exploded.status, 500);
      assert.deepEqual(await exploded.json(), { message: "internal server error" });
    } finally {
      await node.close();
    }
  });
});

describe("CORS", () => {
  test("preflights are answered for the routes' methods; answers carry the Access-Control headers", async () => {
    await withServer(
      {
        getInstrument: async (_request, context) => {
          context.responseHeaders.set("X-Trace", "t-1");
          return { symbol: "X" };
        },
      },
      async (h) => {
        const url = `${h.url}/api/v1/venues/VENUE_XNAS/instruments/X`;
        const preflight = {
          Origin: "https://app.example.com",
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "x-api-key, last-event-id",
        };
        const answer = await fetch(url, { method: "OPTIONS", headers: preflight });
        assert.equal(answer.status, 204);
        assert.equal(answer.headers.get("Access-Control-Allow-Origin"), "https://app.example.com");
        assert.equal(answer.headers.get("Access-Control-Allow-Methods"), "GET, HEAD");
        assert.equal(answer.headers.get("Access-Control-Allow-Headers"), "x-api-key, last-event-id");
        assert.equal(answer.headers.get("Access-Control-Allow-Credentials"), "true");
        assert.equal(answer.headers.get("Access-Control-Max-Age"), "600");
        const actual = await fetch(url, { headers: { Origin: "https://app.example.com", "X-API-Key": API_KEY } });
        assert.equal(actual.headers.get("Access-Control-Allow-Origin"), "https://app.example.com");
        assert.equal(actual.headers.get("Access-Control-Expose-Headers"), "X-Trace");
        await actual.text();
        const foreign = await fetch(url, { method: "OPTIONS", headers: { ...preflight, Origin: "https://evil.example.com" } });
        assert.equal(foreign.headers.get("Access-Control-Allow-Origin"), null);
        const foreignGet = await fetch(url, { headers: { Origin: "https://evil.example.com", "X-API-Key": API_KEY } });
        assert.equal(foreignGet.headers.get("Access-Control-Allow-Origin"), null);
        await foreignGet.text();
      },
      {
        router: {
          cors: { allowedOrigins: ["https://app.example.com"], allowCredentials: true, maxAgeSeconds: 600, exposedHeaders: ["X-Trace"] },
        },
      },
    );
  });
});
