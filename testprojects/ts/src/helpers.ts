// The market data service on loopback: generated routes and router behind the Node adapter, and
// a generated client pointed at it.

import { MarketDataServiceClient } from "../gen/market/v1/market_data.client.js";
import { createMarketDataServiceRoutes } from "../gen/market/v1/market_data.server.js";
import { createRouter } from "../gen/market/v1/ssegen_server_runtime.js";
import { serve, type ServeOptions, type ServerHandle } from "./node_adapter.js";

export { aborted, deferred, failOnUnhandled, readTextUntil, waitFor, type Deferred } from "./util.js";

export type Handler = Parameters<typeof createMarketDataServiceRoutes>[0];
export type RouteOptions = NonNullable<Parameters<typeof createMarketDataServiceRoutes>[1]>;
export type RouterOptions = NonNullable<Parameters<typeof createRouter>[1]>;
export type ClientOptions = NonNullable<ConstructorParameters<typeof MarketDataServiceClient>[1]>;

export const API_KEY = "mk_test_key";

function notImplemented(name: string): never {
  throw new Error(`${name} is not implemented in this test`);
}

// The handler every test starts from: each method fails until the test provides it.
export function handler(overrides: Partial<Handler>): Handler {
  const base: Handler = {
    getInstrument: async () => notImplemented("getInstrument"),
    listInstruments: async () => notImplemented("listInstruments"),
    getOrderBook: async () => notImplemented("getOrderBook"),
    submitOrder: async () => notImplemented("submitOrder"),
    replaceWatchlist: async () => notImplemented("replaceWatchlist"),
    updateWatchlist: async () => notImplemented("updateWatchlist"),
    deleteWatchlist: async () => notImplemented("deleteWatchlist"),
    getServerTime: async () => notImplemented("getServerTime"),
    getMarketStatus: async () => notImplemented("getMarketStatus"),
    streamQuotes: () => notImplemented("streamQuotes"),
    watchTrades: () => notImplemented("watchTrades"),
  };
  return { ...base, ...overrides };
}

export interface Harness {
  server: ServerHandle;
  client: MarketDataServiceClient;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  routes?: RouteOptions;
  router?: RouterOptions;
  serve?: ServeOptions;
  client?: ClientOptions;
  // Path the router is mounted under, as seen by the client (must match router.prefix).
  mount?: string;
}

// The generated routes behind the Node adapter on loopback, and a generated client pointed at it.
export async function start(impl: Partial<Handler>, options: StartOptions = {}): Promise<Harness> {
  const routes = createMarketDataServiceRoutes(handler(impl), options.routes);
  const router = createRouter(routes, options.router);
  const server = await serve(router, options.serve);
  const client = new MarketDataServiceClient(`${server.url}${options.mount ?? ""}`, {
    headers: { "X-API-Key": API_KEY },
    ...options.client,
  });
  return { server, client, url: server.url, close: () => server.close() };
}
