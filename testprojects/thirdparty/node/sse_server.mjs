// A third-party SSE server for the generated clients: serves the StreamQuotes route of
// market.v1.MarketDataService (GET /api/v1/quotes/{symbol}/stream) on a loopback port printed as
// "LISTENING <url>". The symbol picks the stream:
//
// - LIB: framed entirely by better-sse (Session/EventBuffer): its initial `retry:` field, a
//   comment, events with names and ids (`push`), an event without either (inherits the last id),
//   a pretty-printed JSON message over several `data:` lines, then the terminal `end` event.
//   better-sse's own `data()` cannot produce multi-line data: it writes a multi-line
//   serialization as ONE `data:` field whose continuation lines lack the `data:` prefix (so a
//   parser drops them); the multi-line event is therefore written with EventBuffer.writeField,
//   one `data` field per line. better-sse always ends lines with LF.
// - RAW: a minimal raw writer with CRLF line ends (written in pieces, so CR and LF can land in
//   different chunks), comments, `retry:`, multi-line data, fields with and without the space
//   after the colon, ids, names, then `end`.
//
// The messages (market.v1.Quote, protojson names) are in quotes.json.
import { readFileSync } from "node:fs";
import http from "node:http";
import { createSession } from "better-sse";

const QUOTES = JSON.parse(readFileSync(new URL("./quotes.json", import.meta.url), "utf-8"));

const ROUTE = /^\/api\/v1\/quotes\/([^/]+)\/stream$/;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

async function libraryStream(req, res) {
  const session = await createSession(req, res, { retry: 1500, keepAlive: null });
  if (!session.isConnected) await new Promise((resolve) => session.once("connected", resolve));
  await session.batch((buffer) => {
    buffer.comment("better-sse comment");
  });
  session.push(QUOTES.q1, "quote", "l1");
  await session.batch((buffer) => {
    buffer.event("quote").id("l2");
    for (const line of JSON.stringify(QUOTES.q2, null, 2).split("\n")) buffer.writeField("data", line);
    buffer.dispatch();
  });
  await session.batch((buffer) => {
    buffer.data(QUOTES.q3).dispatch();
  });
  session.push(QUOTES.q4, "summary", "l4");
  await session.batch((buffer) => {
    buffer.event("end").data({}).dispatch();
  });
  res.end();
}

async function rawStream(res) {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  const pretty = JSON.stringify(QUOTES.q1, null, 2).split("\n");
  const lines = [
    ": third-party raw writer",
    "retry: 2500",
    "",
    "id: r1",
    "event: quote",
    ...pretty.map((line) => "data: " + line),
    "",
    ":comment between events",
    "id:r2",
    "event:summary",
    "data:" + JSON.stringify(QUOTES.q2),
    "",
    "data: " + JSON.stringify(QUOTES.q3),
    "",
    "event: end",
    "data: {}",
    "",
  ];
  for (const line of lines) {
    res.write(line + "\r");
    await tick();
    res.write("\n");
  }
  res.end();
}

const server = http.createServer((req, res) => {
  const match = ROUTE.exec(new URL(req.url ?? "/", "http://localhost").pathname);
  if (req.method !== "GET" || match === null) {
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ message: "not found" }));
    return;
  }
  const symbol = decodeURIComponent(match[1]);
  const stream = symbol === "LIB" ? libraryStream(req, res) : symbol === "RAW" ? rawStream(res) : null;
  if (stream === null) {
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ message: "unknown stream " + symbol }));
    return;
  }
  stream.catch((error) => {
    console.error(error);
    res.destroy();
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  console.log(`LISTENING http://127.0.0.1:${port}`);
});
