// Unary calls: generated client -> Node adapter -> generated router/routes -> test handler.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import type {
  GetInstrumentRequest,
  Instrument,
  ListInstrumentsRequest,
  SubmitOrderRequest,
  Watchlist,
} from "../gen/market/v1/market_data.js";
import { MarketDataServiceClient } from "../gen/market/v1/market_data.client.js";
import { ApiError, ValidationError } from "../gen/market/v1/ssegen_errors.js";
import { API_KEY, deferred, failOnUnhandled, start, type Handler, type Harness } from "./helpers.js";

failOnUnhandled();

const REQUEST_ID = "7f4c1e2a-93d5-4b8e-a1f0-5d2c9b7e6a31";

// What each handler call saw, for assertions on binding.
interface Seen<T> {
  req: T;
  request: Request;
  pathParams: Record<string, string>;
}

function instrument(req: GetInstrumentRequest): Instrument {
  return {
    symbol: req.symbol ?? "",
    venue: req.venue ?? "VENUE_UNSPECIFIED",
    assetClass: "ASSET_CLASS_EQUITY",
    name: `${req.symbol ?? ""} Inc.`,
    tickSize: 0.01,
    lotSize: "100",
    active: true,
    listedAt: "2020-01-02T03:04:05Z",
  };
}

async function jsonOf(response: Response): Promise<unknown> {
  const type = response.headers.get("content-type") ?? "";
  assert.match(type, /^application\/json\b/, `content-type ${type}`);
  return response.json();
}

describe("unary happy paths", () => {
  const seen: Seen<unknown>[] = [];
  const record = <T>(req: T, ctx: { request: Request; pathParams: Record<string, string> }): void => {
    seen.push({ req, request: ctx.request, pathParams: { ...ctx.pathParams } });
  };
  let h: Harness;

  before(async () => {
    const impl: Partial<Handler> = {
      getInstrument: async (req, ctx) => {
        record(req, ctx);
        return instrument(req);
      },
      listInstruments: async (req, ctx) => {
        record(req, ctx);
        return {
          instruments: (req.symbolFilter ?? []).map((symbol) => instrument({ symbol, venue: "VENUE_XNAS" })),
          nextPageToken: `${req.pageToken ?? ""}+${req.pageSize ?? 0}+${req.assetClass ?? ""}+${String(req.includeInactive ?? false)}`,
        };
      },
      submitOrder: async (req, ctx) => {
        record(req, ctx);
        return { orderId: `ord-${req.accountId ?? ""}`, acceptedAt: "2024-05-06T07:08:09Z" };
      },
      replaceWatchlist: async (req, ctx) => {
        record(req, ctx);
        return { ...req, updatedAt: "2024-01-01T00:00:00Z" };
      },
      updateWatchlist: async (req, ctx) => {
        record(req, ctx);
        return { id: req.id ?? "", name: req.name ?? "unchanged", symbols: req.addSymbols ?? [] };
      },
      deleteWatchlist: async (req, ctx) => {
        record(req, ctx);
        return {};
      },
      getServerTime: async (req, ctx) => {
        record(req, ctx);
        return { now: "2024-02-29T12:00:00.5Z" };
      },
      getMarketStatus: async (req, ctx) => {
        record(req, ctx);
        return { venue: req.venue ?? "VENUE_UNSPECIFIED", phase: "PHASE_OPEN" };
      },
    };
    h = await start(impl);
  });
  after(() => h.close());

  const last = <T>(): Seen<T> => {
    const entry = seen.at(-1);
    assert.ok(entry, "the handler was called");
    return entry as Seen<T>;
  };

  test("GET with path variables: string (percent-encoded) and enum", async () => {
    const symbol = "BRK/A é?&#%";
    const result = await h.client.getInstrument({ venue: "VENUE_XNYS", symbol });
    assert.deepEqual(result, instrument({ venue: "VENUE_XNYS", symbol }));
    const call = last<GetInstrumentRequest>();
    assert.equal(call.req.symbol, symbol);
    assert.equal(call.req.venue, "VENUE_XNYS");
    assert.equal(call.request.method, "GET");
    assert.ok(call.request.body === null, "no body on GET");
    const url = new URL(call.request.url);
    assert.ok(url.pathname.startsWith("/api/v1/venues/VENUE_XNYS/instruments/"), url.pathname);
    assert.ok(!url.pathname.slice("/api/v1/venues/VENUE_XNYS/instruments/".length).includes("/"), "slash encoded");
    assert.equal(call.request.headers.get("x-api-key"), API_KEY);
  });

  test("GET with query parameters: repeated (renamed), required int, enum, bool", async () => {
    const result = await h.client.listInstruments({
      symbolFilter: ["AAPL", "MSFT", "a b&c"],
      pageSize: 25,
      assetClass: "ASSET_CLASS_ETF",
      includeInactive: true,
      pageToken: "tok",
    });
    assert.deepEqual(
      result.instruments?.map((i) => i.symbol),
      ["AAPL", "MSFT", "a b&c"],
    );
    assert.equal(result.nextPageToken, "tok+25+ASSET_CLASS_ETF+true");
    const call = last<ListInstrumentsRequest>();
    const url = new URL(call.request.url);
    assert.deepEqual(url.searchParams.getAll("symbols"), ["AAPL", "MSFT", "a b&c"]);
    assert.equal(url.searchParams.get("page_size"), "25");
    assert.ok(call.request.body === null, "no body on GET");
  });

  test("query parameters sent by hand: repeated keys and defaults", async () => {
    const response = await fetch(
      `${h.url}/api/v1/instruments?symbols=X&symbols=Y&page_size=3&asset_class=ASSET_CLASS_FUTURE&include_inactive=true`,
      { headers: { "X-API-Key": API_KEY } },
    );
    assert.equal(response.status, 200);
    const body = (await jsonOf(response)) as { instruments: { symbol: string }[]; nextPageToken: string };
    assert.deepEqual(
      body.instruments.map((i) => i.symbol),
      ["X", "Y"],
    );
    assert.equal(body.nextPageToken, "+3+ASSET_CLASS_FUTURE+true");
  });

  test("GET on the default path with every field in the query", async () => {
    const status = await h.client.getMarketStatus({ venue: "VENUE_CRYPTO", symbol: "BTC-USD" });
    assert.equal(status.phase, "PHASE_OPEN");
    assert.equal(status.venue, "VENUE_CRYPTO");
    const call = last<{ venue?: string; symbol?: string }>();
    const url = new URL(call.request.url);
    assert.equal(url.pathname, "/api/v1/get_market_status");
    assert.equal(url.searchParams.get("venue"), "VENUE_CRYPTO");
    assert.equal(url.searchParams.get("symbol"), "BTC-USD");
  });

  test("POST on the default path when the method has no annotation", async () => {
    const result = await h.client.getServerTime({});
    assert.equal(result.now, "2024-02-29T12:00:00.5Z");
    const call = last<unknown>();
    assert.equal(call.request.method, "POST");
    assert.equal(new URL(call.request.url).pathname, "/api/v1/get_server_time");
  });

  test("POST with a rich body round-trips; path variable bound; typed headers sent", async () => {
    const order: SubmitOrderRequest = {
      accountId: "ACC-1001",
      symbol: "AAPL",
      side: "SIDE_BUY",
      quantity: "9007199254740993",
      limitPrice: 187.25,
      timeInForce: "TIME_IN_FORCE_IOC",
      legs: [
        { symbol: "AAPL", side: "SIDE_BUY", quantity: "1" },
        { symbol: "MSFT", side: "SIDE_SELL", quantity: "2" },
      ],
      annotations: { desk: { author: "ann", text: "hedge" }, "ünï": { author: "b", text: "c" } },
      riskToken: "AAEC/w==",
      expireAt: "2024-05-06T07:08:09.123Z",
      maxLatency: "1.500s",
      clientOrderId: "cid-1",
      postOnly: false,
      maxSlippageBps: 0,
      band: { referencePrice: 187, widthBps: 15 },
    };
    const result = await h.client.submitOrder(order, { requestId: REQUEST_ID, clientSequence: "42" });
    assert.deepEqual(result, { orderId: "ord-ACC-1001", acceptedAt: "2024-05-06T07:08:09Z" });
    const call = last<SubmitOrderRequest>();
    assert.deepEqual(call.req, order);
    assert.equal(call.request.method, "POST");
    assert.equal(new URL(call.request.url).pathname, "/api/v1/accounts/ACC-1001/orders");
    assert.equal(call.pathParams["account_id"], "ACC-1001");
    assert.equal(call.request.headers.get("x-request-id"), REQUEST_ID);
    assert.equal(call.request.headers.get("x-client-sequence"), "42");
    assert.equal(call.request.headers.get("x-api-key"), API_KEY);
    assert.match(call.request.headers.get("content-type") ?? "", /^application\/json\b/);
  });

  test("the URL wins over the body", async () => {
    const response = await fetch(`${h.url}/api/v1/accounts/FROM-URL/orders`, {
      method: "POST",
      headers: { "X-API-Key": API_KEY, "X-Request-ID": REQUEST_ID, "Content-Type": "application/json" },
      body: JSON.stringify({ accountId: "FROM-BODY", symbol: "AAPL" }),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await jsonOf(response), { orderId: "ord-FROM-URL", acceptedAt: "2024-05-06T07:08:09Z" });
    assert.equal(last<SubmitOrderRequest>().req.accountId, "FROM-URL");
    assert.equal(last<SubmitOrderRequest>().req.symbol, "AAPL");
  });

  test("the client puts the path value in the URL even when the body differs", async () => {
    // The client builds the URL from the same field: both agree, and the handler sees it.
    await h.client.submitOrder({ accountId: "A/B", symbol: "X" }, { requestId: REQUEST_ID });
    const call = last<SubmitOrderRequest>();
    assert.equal(call.req.accountId, "A/B");
    assert.equal(new URL(call.request.url).pathname, "/api/v1/accounts/A%2FB/orders");
  });

  test("PUT, PATCH and DELETE on the same path", async () => {
    const list: Watchlist = { id: "w1", name: "tech", symbols: ["AAPL", "MSFT"] };
    assert.deepEqual(await h.client.replaceWatchlist(list), { ...list, updatedAt: "2024-01-01T00:00:00Z" });
    assert.equal(last<Watchlist>().request.method, "PUT");

    assert.deepEqual(await h.client.updateWatchlist({ id: "w1", name: "renamed", addSymbols: ["NVDA"] }), {
      id: "w1",
      name: "renamed",
      symbols: ["NVDA"],
    });
    assert.equal(last<unknown>().request.method, "PATCH");

    assert.deepEqual(await h.client.deleteWatchlist({ id: "w 1" }), {});
    const call = last<{ id?: string }>();
    assert.equal(call.request.method, "DELETE");
    assert.ok(call.request.body === null, "no body on DELETE");
    assert.equal(call.request.headers.get("content-length"), null);
    assert.equal(call.req.id, "w 1");
  });

  test("per-call headers are sent", async () => {
    await h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "A" }, { headers: { "X-Trace": "t-1" }, requestId: REQUEST_ID });
    const call = last<unknown>();
    assert.equal(call.request.headers.get("x-trace"), "t-1");
    assert.equal(call.request.headers.get("x-request-id"), REQUEST_ID);
  });

  test("the typed apiKey option sets X-API-Key", async () => {
    const bare = new MarketDataServiceClient(h.url);
    await bare.getInstrument({ venue: "VENUE_XNAS", symbol: "A" }, { apiKey: "per-call" });
    assert.equal(last<unknown>().request.headers.get("x-api-key"), "per-call");
  });

  test("an injected fetch is used", async () => {
    let calls = 0;
    const client = new MarketDataServiceClient(h.url, {
      headers: { "X-API-Key": API_KEY },
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    await client.getInstrument({ venue: "VENUE_XNAS", symbol: "A" });
    assert.equal(calls, 1);
  });

  test("an AbortSignal cancels a pending unary call", async () => {
    const entered = deferred();
    const slow = await start({
      getInstrument: (_req, ctx) => {
        entered.resolve();
        // Never answers: only the abort can end the call.
        return new Promise<Instrument>((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => reject(new Error("client went away")), { once: true });
        });
      },
    });
    try {
      const controller = new AbortController();
      const call = slow.client.getInstrument({ venue: "VENUE_XNAS", symbol: "A" }, { signal: controller.signal });
      await entered.promise;
      controller.abort();
      await assert.rejects(call, (error: unknown) => (error as Error).name === "AbortError");
    } finally {
      await slow.close();
    }
  });
});

describe("unary errors", () => {
  let h: Harness;
  const onErrorSeen: unknown[] = [];

  before(async () => {
    h = await start(
      {
        getInstrument: async (req) => {
          switch (req.symbol) {
            case "INVALID":
              throw new ValidationError([{ field: "symbol", description: "unknown symbol" }]);
            case "GONE":
              throw new ApiError(404, { message: "no such instrument" });
            case "CONFLICT":
              throw new ApiError(409, { message: "busy" });
            default:
              throw new Error("database exploded: secret details");
          }
        },
        submitOrder: async () => ({ orderId: "x" }),
        listInstruments: async (req) => ({ instruments: [], nextPageToken: String(req.pageSize ?? 0) }),
        replaceWatchlist: async (req) => req,
      },
      {
        routes: {
          onError: (error: unknown) => {
            onErrorSeen.push(error);
            // Keep the default answer.
            return undefined;
          },
        },
      },
    );
  });
  after(() => h.close());

  const raw = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${h.url}${path}`, {
      ...init,
      headers: { "X-API-Key": API_KEY, ...(init.headers as Record<string, string> | undefined) },
    });

  test("ValidationError from the handler -> 400 violations -> ValidationError", async () => {
    await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "INVALID" }), (error: unknown) => {
      assert.ok(error instanceof ValidationError, `got ${String(error)}`);
      assert.deepEqual(error.violations, [{ field: "symbol", description: "unknown symbol" }]);
      return true;
    });
    const response = await raw("/api/v1/venues/VENUE_XNAS/instruments/INVALID");
    assert.equal(response.status, 400);
    assert.deepEqual(await jsonOf(response), { violations: [{ field: "symbol", description: "unknown symbol" }] });
  });

  test("ApiError from the handler -> its status and message -> ApiError", async () => {
    await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "GONE" }), (error: unknown) => {
      assert.ok(error instanceof ApiError, `got ${String(error)}`);
      assert.equal(error.status, 404);
      assert.deepEqual(error.body, { message: "no such instrument" });
      return true;
    });
    const response = await raw("/api/v1/venues/VENUE_XNAS/instruments/CONFLICT");
    assert.equal(response.status, 409);
    assert.deepEqual(await jsonOf(response), { message: "busy" });
  });

  test("a plain throw -> 500 with the generic message -> ApiError(500); onError sees it", async () => {
    onErrorSeen.length = 0;
    await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "BOOM" }), (error: unknown) => {
      assert.ok(error instanceof ApiError, `got ${String(error)}`);
      assert.equal(error.status, 500);
      return true;
    });
    const response = await raw("/api/v1/venues/VENUE_XNAS/instruments/BOOM");
    assert.equal(response.status, 500);
    // Only the generic message: the handler's text is for onError, not for the client.
    assert.deepEqual(await jsonOf(response), { message: "internal server error" });
    assert.equal(onErrorSeen.length, 2, "onError called once per failing request");
    assert.match(String(onErrorSeen[0]), /database exploded/);
  });

  test("missing required service header -> 400 naming the header", async () => {
    const response = await fetch(`${h.url}/api/v1/venues/VENUE_XNAS/instruments/A`);
    assert.equal(response.status, 400);
    const body = (await jsonOf(response)) as { violations: { field: string; description: string }[] };
    assert.deepEqual(
      body.violations.map((v) => v.field),
      ["X-API-Key"],
    );
    // Through the client too: the same typed error either way.
    const bare = new MarketDataServiceClient(h.url);
    await assert.rejects(bare.getInstrument({ venue: "VENUE_XNAS", symbol: "A" }), (error: unknown) => {
      assert.ok(error instanceof ValidationError, `got ${String(error)}`);
      assert.equal(error.violations[0]?.field, "X-API-Key");
      return true;
    });
  });

  test("missing required method header -> 400 naming the header", async () => {
    const response = await raw("/api/v1/accounts/A/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    assert.equal(response.status, 400);
    const body = (await jsonOf(response)) as { violations: { field: string }[] };
    assert.deepEqual(
      body.violations.map((v) => v.field),
      ["X-Request-ID"],
    );
  });

  test("declared header types and formats are checked", async () => {
    for (const [headers, field] of [
      [{ "X-Request-ID": "not-a-uuid" }, "X-Request-ID"],
      [{ "X-Request-ID": REQUEST_ID, "X-Client-Sequence": "forty-two" }, "X-Client-Sequence"],
    ] as const) {
      const response = await raw("/api/v1/accounts/A/orders", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: "{}",
      });
      assert.equal(response.status, 400, field);
      const body = (await jsonOf(response)) as { violations: { field: string }[] };
      assert.deepEqual(
        body.violations.map((v) => v.field),
        [field],
      );
    }
  });

  test("a missing required query parameter -> 400 naming it", async () => {
    const response = await raw("/api/v1/instruments?symbols=A");
    assert.equal(response.status, 400);
    const body = (await jsonOf(response)) as { violations: { field: string }[] };
    assert.deepEqual(
      body.violations.map((v) => v.field),
      ["page_size"],
    );
  });

  for (const [name, body] of [
    ["truncated JSON", '{"symbol": "AAPL"'],
    ["not JSON at all", "symbol=AAPL"],
    ["a JSON array", "[1, 2]"],
    ["JSON null", "null"],
    ["a JSON string", '"x"'],
  ] as const) {
    test(`malformed body (${name}) -> 400, not 500`, async () => {
      const response = await raw("/api/v1/accounts/A/orders", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Request-ID": REQUEST_ID },
        body,
      });
      assert.equal(response.status, 400);
      const parsed = (await jsonOf(response)) as { violations?: unknown[] };
      assert.ok(Array.isArray(parsed.violations) && parsed.violations.length > 0, JSON.stringify(parsed));
    });
  }

  test("an empty body is an empty message", async () => {
    const response = await raw("/api/v1/accounts/A/orders", {
      method: "POST",
      headers: { "X-Request-ID": REQUEST_ID },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await jsonOf(response), { orderId: "x" });
  });

  test("a query value of the wrong type -> 400 naming the parameter", async () => {
    const response = await raw("/api/v1/instruments?page_size=lots");
    assert.equal(response.status, 400);
    const body = (await jsonOf(response)) as { violations: { field: string }[] };
    assert.ok(
      body.violations.some((v) => v.field === "page_size"),
      JSON.stringify(body),
    );
  });

  test("router: unknown path -> 404, known path with another verb -> 405", async () => {
    const missing = await raw("/api/v1/nothing-here");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const wrongVerb = await raw("/api/v1/watchlists/w1", { method: "POST", body: "{}" });
    assert.equal(wrongVerb.status, 405);
    const allow = (wrongVerb.headers.get("allow") ?? "").split(/,\s*/).sort();
    assert.deepEqual(allow, ["DELETE", "PATCH", "PUT"]);
    await wrongVerb.body?.cancel();
  });

  test("a body over maxBodyBytes is refused before the handler runs", async () => {
    let called = false;
    const small = await start(
      {
        replaceWatchlist: async (req) => {
          called = true;
          return req;
        },
      },
      { routes: { maxBodyBytes: 1024 } },
    );
    try {
      const response = await fetch(`${small.url}/api/v1/watchlists/w1`, {
        method: "PUT",
        headers: { "X-API-Key": API_KEY, "Content-Type": "application/json" },
        body: JSON.stringify({ id: "w1", name: "x".repeat(64 * 1024) }),
      });
      assert.equal(response.status, 413);
      await response.body?.cancel();
      assert.equal(called, false);
      // A body under the limit still works.
      assert.deepEqual(await small.client.replaceWatchlist({ id: "w1", name: "ok" }), { id: "w1", name: "ok" });
    } finally {
      await small.close();
    }
  });
});

describe("onError answers", () => {
  test("a Response from onError is the answer to an unexpected error; typed errors bypass it", async () => {
    const h = await start(
      {
        getInstrument: async (req) => {
          if (req.symbol === "TYPED") throw new ApiError(409, { message: "typed" });
          throw new Error("unexpected");
        },
      },
      {
        routes: {
          onError: (error: unknown, request: Request) =>
            new Response(JSON.stringify({ message: `custom: ${String(error)} at ${new URL(request.url).pathname}` }), {
              status: 503,
              headers: { "content-type": "application/json" },
            }),
        },
      },
    );
    try {
      await assert.rejects(h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "X" }), (error: unknown) => {
        assert.ok(error instanceof ApiError, String(error));
        assert.equal(error.status, 503);
        assert.deepEqual(error.body, { message: "custom: Error: unexpected at /api/v1/venues/VENUE_XNAS/instruments/X" });
        return true;
      });
      await assert.rejects(
        h.client.getInstrument({ venue: "VENUE_XNAS", symbol: "TYPED" }),
        (error: unknown) => error instanceof ApiError && error.status === 409,
      );
    } finally {
      await h.close();
    }
  });
});

describe("router prefix", () => {
  test("routes mounted under a prefix answer there and only there", async () => {
    const h = await start(
      { getServerTime: async () => ({ now: "2024-01-01T00:00:00Z" }) },
      { router: { prefix: "/gateway" }, mount: "/gateway" },
    );
    try {
      assert.deepEqual(await h.client.getServerTime({}), { now: "2024-01-01T00:00:00Z" });
      assert.equal(new URL(h.server.requests.at(-1)?.url ?? "").pathname, "/gateway/api/v1/get_server_time");
      const unprefixed = await fetch(`${h.url}/api/v1/get_server_time`, {
        method: "POST",
        headers: { "X-API-Key": API_KEY },
        body: "{}",
      });
      assert.equal(unprefixed.status, 404);
      await unprefixed.body?.cancel();
    } finally {
      await h.close();
    }
  });
});
