// Fetches one SSE stream and prints what the third-party parser `eventsource-parser` makes of it,
// as one JSON line: status, content type, events (event/id exactly as that event carried them,
// raw data string), retry values and comments.
//
// Usage: node parse_stream.mjs <url> [Header=value ...]
import { createParser } from "eventsource-parser";

// A deadline so a hung server fails the run instead of blocking it; not a timing check.
const DEADLINE_MS = 60_000;

const [url, ...headerArgs] = process.argv.slice(2);
const headers = { Accept: "text/event-stream" };
for (const arg of headerArgs) {
  const i = arg.indexOf("=");
  headers[arg.slice(0, i)] = arg.slice(i + 1);
}
const response = await fetch(url, { headers, signal: AbortSignal.timeout(DEADLINE_MS) });
const out = {
  status: response.status,
  contentType: response.headers.get("content-type"),
  events: [],
  retries: [],
  comments: [],
  errors: [],
};
const parser = createParser({
  onEvent: (e) => out.events.push({ event: e.event ?? null, id: e.id ?? null, data: e.data }),
  onRetry: (ms) => out.retries.push(ms),
  onComment: (text) => out.comments.push(text),
  onError: (err) => out.errors.push(String(err)),
});
const decoder = new TextDecoder();
if (response.body !== null) {
  for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
}
parser.feed(decoder.decode());
if (!(out.contentType ?? "").startsWith("text/event-stream")) out.body = "(not an event stream)";
console.log(JSON.stringify(out));
