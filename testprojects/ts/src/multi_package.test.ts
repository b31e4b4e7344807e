// Two services of one package (with repeated method names) and types from other packages, served
// by one router: the generated modules of several proto files work together.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { CatalogServiceClient } from "../gen/shop/catalog/v1/catalog.client.js";
import { createCatalogServiceRoutes } from "../gen/shop/catalog/v1/catalog.server.js";
import { OrderServiceClient } from "../gen/shop/orders/v1/orders_service.client.js";
import { createOrderServiceRoutes } from "../gen/shop/orders/v1/orders_service.server.js";
import { ReturnServiceClient } from "../gen/shop/orders/v1/returns_service.client.js";
import { createReturnServiceRoutes } from "../gen/shop/orders/v1/returns_service.server.js";
import type { Order, Return } from "../gen/shop/orders/v1/types.js";
import { createRouter } from "../gen/shop/orders/v1/ssegen_server_runtime.js";
import { serve, type ServerHandle } from "./node_adapter.js";
import { failOnUnhandled } from "./util.js";

failOnUnhandled();

const order = (id: string): Order => ({
  id,
  customerId: "c-1",
  status: "ORDER_STATUS_PLACED",
  items: [{ sku: "SKU-1", quantity: 2, unitPrice: { currency: "CURRENCY_EUR", minorUnits: "1999" } }],
  total: { currency: "CURRENCY_EUR", minorUnits: "3998" },
});

const ret = (id: string, orderId: string): Return => ({ id, orderId, reason: "REASON_DAMAGED" });

describe("multi-package services on one router", () => {
  let server: ServerHandle;
  let orders: OrderServiceClient;
  let returns: ReturnServiceClient;
  let catalog: CatalogServiceClient;

  before(async () => {
    const routes = [
      ...createOrderServiceRoutes({
        get: async (req) => order(req.orderId ?? ""),
        list: async (req) => ({ orders: [order(`${req.customerId ?? ""}:${(req.statuses ?? []).join("|")}`)] }),
        place: async (req) => ({ ...order("new"), items: req.items ?? [] }),
        cancel: async (req) => ({ ...order(req.orderId ?? ""), status: "ORDER_STATUS_CANCELLED" }),
        watch: async function* (req) {
          yield order(req.orderId ?? "");
          yield { ...order(req.orderId ?? ""), status: "ORDER_STATUS_SHIPPED" };
        },
      }),
      ...createReturnServiceRoutes({
        get: async (req) => ret(req.returnId ?? "", "o-1"),
        open: async (req) => ({ ...ret("r-new", req.orderId ?? ""), reason: req.reason ?? "REASON_UNSPECIFIED" }),
        watch: async function* (req) {
          for (const orderId of req.orderIds ?? []) yield ret(`r-${orderId}`, orderId);
        },
      }),
      ...createCatalogServiceRoutes({
        get: async (req) => ({ sku: req.sku ?? "", title: "Mug", price: { currency: "CURRENCY_GBP", minorUnits: "500" }, tags: ["kitchen"] }),
        search: async (req) => ({ products: (req.tags ?? []).map((tag) => ({ sku: tag, title: req.text ?? "" })) }),
        setPrice: async (req) => ({ sku: req.sku ?? "", ...(req.price ? { price: req.price } : {}) }),
        delete: async () => ({}),
      }),
    ];
    server = await serve(createRouter(routes));
    orders = new OrderServiceClient(server.url);
    returns = new ReturnServiceClient(server.url);
    catalog = new CatalogServiceClient(server.url);
  });
  after(() => server.close());

  test("same method names in two services reach their own handlers", async () => {
    assert.deepEqual(await orders.get({ orderId: "o-9" }), order("o-9"));
    assert.deepEqual(await returns.get({ returnId: "r-9" }), ret("r-9", "o-1"));
  });

  test("cross-package message and enum types round-trip", async () => {
    const items = [{ sku: "S", quantity: 1, unitPrice: { currency: "CURRENCY_USD" as const, minorUnits: "-5" } }];
    assert.deepEqual((await orders.place({ customerId: "c", items, currency: "CURRENCY_USD" })).items, items);
    assert.deepEqual(await catalog.setPrice({ sku: "M", price: { currency: "CURRENCY_EUR", minorUnits: "1" } }), {
      sku: "M",
      price: { currency: "CURRENCY_EUR", minorUnits: "1" },
    });
  });

  test("repeated enum query parameters and DELETE with a query parameter", async () => {
    const listed = await orders.list({ customerId: "c-7", statuses: ["ORDER_STATUS_PLACED", "ORDER_STATUS_SHIPPED"] });
    assert.equal(listed.orders?.[0]?.id, "c-7:ORDER_STATUS_PLACED|ORDER_STATUS_SHIPPED");
    assert.equal((await orders.cancel({ orderId: "o-1", reason: "changed my mind" })).status, "ORDER_STATUS_CANCELLED");
    assert.deepEqual(
      (await catalog.search({ text: "blue", tags: ["a", "b"] })).products?.map((p) => p.sku),
      ["a", "b"],
    );
  });

  test("streams of both services: GET with a required query, POST on the default path", async () => {
    const statuses: string[] = [];
    for await (const o of orders.watch({ orderId: "o-3" })) statuses.push(o.status ?? "");
    assert.deepEqual(statuses, ["ORDER_STATUS_PLACED", "ORDER_STATUS_SHIPPED"]);
    const ids: string[] = [];
    for await (const r of returns.watch({ orderIds: ["x", "y"] })) ids.push(r.id ?? "");
    assert.deepEqual(ids, ["r-x", "r-y"]);
  });
});
