// Consumes one StreamQuotes stream with the generated TS client (compiled JS, path given) and
// prints one JSON line per event ({event, id, data}), then {"end": "clean"} or
// {"end": "error", "error": ...}.
//
// Usage: node ts_client_driver.mjs <generated index.js> <base url> <symbol>
import { pathToFileURL } from "node:url";

// A deadline so a hung stream fails the run instead of blocking it; not a timing check.
const DEADLINE_MS = 60_000;

const [modulePath, baseUrl, symbol] = process.argv.slice(2);
const { MarketDataServiceClient } = await import(pathToFileURL(modulePath).href);
const client = new MarketDataServiceClient(baseUrl, {});
try {
  for await (const event of client.streamQuotesEvents({ symbol }, { signal: AbortSignal.timeout(DEADLINE_MS) })) {
    console.log(JSON.stringify({ event: event.event, id: event.id, data: event.data }));
  }
  console.log(JSON.stringify({ end: "clean" }));
} catch (error) {
  console.log(JSON.stringify({ end: "error", error: `${error?.name}: ${error?.message}` }));
}
