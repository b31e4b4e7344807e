// Serves validation.v1.OrderService (testprojects/validation) with the generated TS server on a
// loopback port, printed as "LISTENING <url>", for the interop matrix's buf.validate pairs: the
// generated checks reject invalid requests, and each valid one gets the answer of
// go/validationserver/main.go.
//
// The harness copies this file into the TS test package's src/ (next to node_adapter.ts).
import { createOrderServiceRoutes, createRouter, type OrderServiceHandler } from "../gen/validation/v1/index.js";
import { serve } from "./node_adapter.js";

const orders: OrderServiceHandler = {
  createOrder(request) {
    return { id: "o-1", accountId: request.accountId ?? "", symbol: request.symbol ?? "" };
  },
  listOrders(request) {
    return { orders: [{ id: "o-1", accountId: request.accountId ?? "", symbol: "" }] };
  },
  async *watchOrders(request) {
    yield { id: "o-1", accountId: request.accountId ?? "", symbol: request.symbol ?? "" };
  },
  async *streamQuotes(request) {
    yield { symbol: (request.symbols ?? [])[0] ?? "", bid: 0, ask: 0 };
  },
  updateContact(request) {
    return request;
  },
};

async function main(): Promise<void> {
  const handle = await serve(createRouter(createOrderServiceRoutes(orders)));
  console.log(`LISTENING ${handle.url}`);
}

void main();
