// Routes that clash across services are refused when the router is made, as Go's ServeMux refuses
// them at registration (the generator only warns: the services may be served apart).
import assert from "node:assert/strict";
import { test } from "node:test";

import { createMarketDataServiceRoutes } from "../gen/market/v1/market_data.server.js";
import { createRouter, type RouteDescriptor } from "../gen/market/v1/ssegen_server_runtime.js";
import { handler } from "./helpers.js";

const routes = createMarketDataServiceRoutes(handler({}));
const extra = (method: string, path: string): RouteDescriptor => ({
  method,
  path,
  handler: () => Promise.resolve(new Response(null, { status: 204 })),
});

test("the same routes twice clash", () => {
  assert.throws(() => createRouter([...routes, ...routes]), /routes clash: .* can match the same request/);
});

test("a route that is the same as another service's clashes; a more specific one does not", () => {
  const first = routes[0] as RouteDescriptor;
  assert.throws(() => createRouter([...routes, extra(first.method, first.path)]), /routes clash/);
  // {a}/x and y/{b} both match y/x with neither more specific.
  assert.throws(() => createRouter([extra("GET", "/{a}/x"), extra("GET", "/y/{b}")]), /routes clash/);
  assert.doesNotThrow(() => createRouter([extra("GET", "/items/{id}"), extra("GET", "/items/latest")]));
  assert.doesNotThrow(() => createRouter([extra("GET", "/items/{id}"), extra("POST", "/items/{id}")]));
});
