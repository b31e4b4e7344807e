// Serves market.v1.MarketDataService with the generated TS server (routes + router behind the
// Node adapter of the TS test package) on a loopback port, printed as "LISTENING <url>", for the
// interop matrix. The behaviour is picked by the request and mirrors go/server/main.go exactly.
//
// The harness copies this file into the TS test package's src/ (next to node_adapter.ts).
import {
  ApiError,
  ValidationError,
  createMarketDataServiceRoutes,
  createRouter,
  serverEvent,
  type HandlerContext,
  type Instrument,
  type MarketDataServiceHandler,
  type Quote,
  type ServerEvent,
  type ServerInterceptor,
  type Trade,
} from "../gen/market/v1/index.js";
import { serve } from "./node_adapter.js";

// Fixed so both servers answer identical messages.
const ACCEPTED_AT = "2024-01-02T03:04:05Z";

// What an internal error may hold; it must never reach a client.
const SECRET = "postgres://admin:hunter2@10.0.0.7/prices";

// JavaScript's panic: a thrown value that is no Error and breaks whoever prints it.
function crash(): never {
  throw {
    toString(): string {
      throw new Error("toString at " + SECRET);
    },
  };
}

// Names the method in a response header, and rejects calls that ask for it.
const intercept: ServerInterceptor = async (call, next) => {
  call.responseHeaders.set("X-Interop-Method", call.method);
  if (call.request.headers.get("X-Interop-Deny") !== null) throw new ApiError(401, { message: "denied by interceptor" });
  return next();
};

// What the server saw of the streams of one X-Request-ID; drivers read it from
// GET /interop/observations/{id} to check what a client cannot see (cancellation, resume).
interface Observation {
  cancelled: boolean;
  stopped: boolean;
  last_event_ids: string[];
}
const observations = new Map<string, Observation>();

function observe(id: string | null, update: (o: Observation) => void): void {
  if (id === null || id === "") return;
  let o = observations.get(id);
  if (o === undefined) {
    o = { cancelled: false, stopped: false, last_event_ids: [] };
    observations.set(id, o);
  }
  update(o);
}

// Waits for ms or the abort of signal; false means the client went away.
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve(!signal.aborted);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

// DROP streams wait here until the adapter has handed the frame with their last id to the socket,
// so the drop never loses an event that the stream already yielded (the body is pulled ahead).
const written = new Map<Request, { marker: string; resolve: () => void }>();

function writtenOut(request: Request, marker: string): Promise<void> {
  return new Promise((resolve) => written.set(request, { marker, resolve }));
}

let dropConnection: (request: Request) => void = () => {};

const quote = (symbol: string, bid: number): Quote => ({ symbol, bid });

async function* quotes(symbol: string, context: HandlerContext): AsyncGenerator<Quote | ServerEvent<Quote>> {
  const requestId = context.request.headers.get("X-Request-ID");
  const lastEventId = context.lastEventId ?? "";
  observe(requestId, (o) => o.last_event_ids.push(lastEventId));
  const echo = context.request.headers.get("X-Interop-Echo");
  if (echo !== null) context.responseHeaders.set("X-Interop-Echo", echo);
  const { signal } = context;
  if (symbol === "EVENTS") {
    context.setRetry(1500);
    yield serverEvent(quote(symbol, 1), { event: "quote", id: "1" });
    yield serverEvent(quote(symbol, 2), { event: "quote", id: "2" });
    yield quote(symbol, 3);
    yield serverEvent(quote(symbol, 4), { event: "summary", id: "4" });
  } else if (symbol === "SLOW") {
    // Longer than the heartbeat interval: the stream commits on a heartbeat, and comment lines
    // arrive between the events.
    for (let bid = 1; bid <= 2; bid++) {
      if (!(await sleep(400, signal))) return;
      yield quote(symbol, bid);
    }
  } else if (symbol === "UNICODE") {
    // Line breaks inside the JSON string, and U+2028/U+2029, which SSE parsers must not split on.
    yield quote("a\nb\r\nc \u2028 d \u2029 é 😀 \"q\"", 1);
  } else if (symbol === "EMPTY") {
    return;
  } else if (symbol === "EARLY") {
    throw new ApiError(404, { message: "no quotes for EARLY" });
  } else if (symbol === "LATE") {
    yield quote(symbol, 1);
    yield quote(symbol, 2);
    throw new ApiError(503, { message: "feed lost" });
  } else if (symbol === "EARLYPANIC") {
    crash();
  } else if (symbol === "LATEPLAIN" || symbol === "LATEPANIC") {
    yield quote(symbol, 1);
    if (symbol === "LATEPANIC") crash();
    throw new Error("feed lost at " + SECRET);
  } else if (symbol === "LATEVALIDATION") {
    yield quote(symbol, 1);
    throw new ValidationError([{ field: "symbol", description: "delisted" }]);
  } else if (symbol === "INFINITE") {
    const onAbort = (): void => observe(requestId, (o) => (o.cancelled = true));
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (let n = 1; ; n++) {
        yield serverEvent(quote(symbol, n), { id: String(n) });
        if (!(await sleep(20, signal))) return;
      }
    } finally {
      observe(requestId, (o) => (o.stopped = true));
    }
  } else if (symbol === "DROP") {
    // First connection: events 1-3, then the server drops the connection. A resuming client
    // (Last-Event-ID) gets the rest and a clean end.
    const last = Number.parseInt(lastEventId, 10) || 0;
    for (let n = last + 1; n <= 5; n++) {
      const sent = last === 0 && n === 3 ? writtenOut(context.request, "id: 3\n") : undefined;
      yield serverEvent(quote(symbol, n), { id: String(n) });
      if (sent !== undefined) {
        await sent;
        dropConnection(context.request);
        // Nothing more to send; the adapter aborts the signal once the socket is gone.
        await sleep(10_000, signal);
        return;
      }
    }
  } else if (symbol.startsWith("LARGE-")) {
    yield quote("x".repeat(Number.parseInt(symbol.slice("LARGE-".length), 10)), 0);
  } else if (symbol.startsWith("CONC-")) {
    for (let n = 1; n <= 5; n++) {
      yield serverEvent(quote(symbol, n), { id: String(n) });
      // Keeps the concurrent streams open at the same time.
      if (!(await sleep(10, signal))) return;
    }
  } else {
    throw new ApiError(400, { message: "unknown behaviour " + symbol });
  }
}

async function* trades(symbols: string[], since: string | undefined): AsyncGenerator<ServerEvent<Trade>> {
  for (const symbol of symbols) {
    const trade: Trade = { tradeId: "t-" + symbol, symbol, price: 1.25, quantity: "10", aggressor: "SIDE_BUY" };
    if (since !== undefined) trade.time = since;
    yield serverEvent(trade, { event: "trade", id: symbol });
  }
}

const market: MarketDataServiceHandler = {
  getInstrument(request, context) {
    if (request.symbol === "MISSING") throw new ApiError(404, { message: "instrument MISSING not found" });
    if (request.symbol === "BOOM") throw new Error("boom: exchange unavailable at " + SECRET);
    if (request.symbol === "PANIC") crash();
    if (request.symbol === "ECHO") return { symbol: "ECHO", name: context.request.headers.get("X-Interop-Echo") ?? "" };
    const res: Instrument = {
      symbol: request.symbol ?? "",
      name: "Instrument " + (request.symbol ?? ""),
    };
    if (request.venue !== undefined && request.venue !== "VENUE_UNSPECIFIED") res.venue = request.venue;
    return res;
  },
  listInstruments(request) {
    return {
      instruments: (request.symbolFilter ?? []).map((symbol) => {
        const instrument: Instrument = { symbol };
        if (request.assetClass !== undefined && request.assetClass !== "ASSET_CLASS_UNSPECIFIED") {
          instrument.assetClass = request.assetClass;
        }
        if (request.pageToken) instrument.name = request.pageToken;
        if (request.includeInactive) instrument.active = true;
        return instrument;
      }),
      nextPageToken: "page-" + String(request.pageSize ?? 0),
    };
  },
  getOrderBook(request) {
    const depth = request.depth ?? 0;
    return {
      symbol: request.symbol ?? "",
      // uint64 on the wire, like the Go server's uint64(depth): a negative depth wraps around.
      sequence: BigInt.asUintN(64, BigInt(depth)).toString(),
      bids: [{ price: 10.5, size: depth, orderCount: 1 }],
    };
  },
  submitOrder(request, context) {
    if (BigInt(request.quantity ?? "0") <= 0n) {
      throw new ValidationError([{ field: "quantity", description: "must be positive" }]);
    }
    const headers = context.request.headers;
    const orderId = [
      request.accountId ?? "",
      request.symbol ?? "",
      request.side ?? "SIDE_UNSPECIFIED",
      BigInt(request.quantity ?? "0").toString(),
      headers.get("X-Client-Sequence") ?? "",
      headers.get("X-Request-ID") ?? "",
    ].join("|");
    return { orderId, acceptedAt: ACCEPTED_AT };
  },
  replaceWatchlist(request) {
    return { id: request.id ?? "", name: request.name ?? "", symbols: request.symbols ?? [], updatedAt: ACCEPTED_AT };
  },
  updateWatchlist(request) {
    return { id: request.id ?? "", name: request.name ?? "", symbols: request.addSymbols ?? [], updatedAt: ACCEPTED_AT };
  },
  deleteWatchlist() {
    return {};
  },
  getServerTime() {
    return { now: ACCEPTED_AT };
  },
  getMarketStatus(request) {
    return { venue: request.venue ?? "VENUE_UNSPECIFIED", phase: "PHASE_OPEN" };
  },
  streamQuotes(request, context) {
    return quotes(request.symbol ?? "", context);
  },
  watchTrades(request) {
    return trades(request.symbols ?? [], request.since);
  },
};

async function main(): Promise<void> {
  // Heartbeats far below the default so every stream that idles gets some.
  // `--framing=sebuf` ends streams the way sebuf's servers do.
  const framing = process.argv.includes("--framing=sebuf") ? "sebuf" : "ssegen";
  // Any origin: the browser test (browser_test.py) calls from a page of another origin.
  const router = createRouter(createMarketDataServiceRoutes(market, { heartbeatIntervalMs: 50, framing, interceptors: [intercept] }), {
    cors: { allowedOrigins: ["*"], exposedHeaders: ["X-Interop-Method"] },
  });
  const decoder = new TextDecoder();
  const handle = await serve(
    async (request) => {
      const path = new URL(request.url).pathname;
      const prefix = "/interop/observations/";
      if (request.method === "GET" && path.startsWith(prefix)) {
        const id = decodeURIComponent(path.slice(prefix.length));
        const o = observations.get(id) ?? { cancelled: false, stopped: false, last_event_ids: [] };
        return new Response(JSON.stringify(o), { headers: { "Content-Type": "application/json" } });
      }
      return router(request);
    },
    {
      // Called just before the chunk is written: the waiting stream resumes after the write.
      onBodyChunk: (request, chunk) => {
        const waiting = written.get(request);
        if (waiting !== undefined && decoder.decode(chunk).includes(waiting.marker)) {
          written.delete(request);
          waiting.resolve();
        }
      },
    },
  );
  // end() flushes what was written, then closes: the client sees the body stop mid-stream.
  dropConnection = (request) => handle.socketOf(request)?.end();
  console.log(`LISTENING ${handle.url}`);
}

void main();
