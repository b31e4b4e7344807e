// The generated SSE parser against eventsource-parser on the same bytes in memory, chunked the
// same way. eventsource-parser takes text, so it gets each chunk through a streaming TextDecoder,
// as its own stream wrapper does; the generated parser decodes its bytes itself.
//   node build/src/parser_bench.js [--reps 5] [--budget-ms 1500]
import { createParser } from "eventsource-parser";
import { SseParser } from "../gen/benchsse/v1/ssegen_client_runtime.js";
import { arg, save, summary } from "./stats.js";

const encoder = new TextEncoder();

function smallEvents(count: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(`id: ${i}\nevent: quote\ndata: {"symbol":"ACME","price":${100 + (i % 50)}.25,"size":${i % 1000},"venue":"XNAS"}\n\n`);
  }
  return encoder.encode(parts.join(""));
}

function bigEvents(count: number, size: number): Uint8Array {
  const body = `{"blob":"${"x".repeat(size - 12)}"}`;
  return encoder.encode(`data: ${body}\n\n`.repeat(count));
}

interface Run {
  mbPerS: number;
  eventsPerS: number;
  bytes: number;
  events: number;
}

type Feeder = (onEvent: (data: string) => void) => { feed(chunk: Uint8Array): void };

const feeders: Record<string, Feeder> = {
  ssegen: (onEvent) => new SseParser((e) => onEvent(e.data)),
  "eventsource-parser": (onEvent) => {
    const parser = createParser({ onEvent: (e) => onEvent(e.data) });
    const decoder = new TextDecoder();
    const stream = { stream: true };
    return { feed: (chunk) => parser.feed(decoder.decode(chunk, stream)) };
  },
};

// Feeds the stream in chunks until it ends or the budget is spent (eventsource-parser rescans a
// line's whole text on every chunk, so 1 MiB lines in 1-byte chunks would take hours).
function once(make: Feeder, stream: Uint8Array, chunk: number, budgetMs: number): Run {
  let events = 0;
  let dataChars = 0;
  const parser = make((data) => {
    events++;
    dataChars += data.length;
  });
  const started = performance.now();
  let offset = 0;
  let fed = 0;
  while (offset < stream.length) {
    const end = Math.min(offset + chunk, stream.length);
    parser.feed(stream.subarray(offset, end));
    offset = end;
    if (++fed % 256 === 0 && performance.now() - started > budgetMs) break;
  }
  const seconds = (performance.now() - started) / 1000;
  if (offset === stream.length && dataChars === 0) throw new Error("no events parsed");
  return { mbPerS: offset / seconds / 1e6, eventsPerS: events / seconds, bytes: offset, events };
}

const reps = Number(arg("reps", "5"));
const budgetMs = Number(arg("budget-ms", "1500"));
const scale = Number(arg("scale", "1"));
const streams: Record<string, Uint8Array> = {
  "small events": smallEvents(Math.max(100, 40000 * scale)),
  "1 MiB events": bigEvents(Math.max(1, Math.round(8 * scale)), 1 << 20),
};
const chunks = [1, 16, 1024, 65536];
const results: Record<string, Record<string, unknown>> = {};
for (const [streamName, stream] of Object.entries(streams)) {
  for (const chunk of chunks) {
    const samples: Record<string, { mb: number[]; ev: number[]; complete: boolean }> = {};
    for (let rep = 0; rep < reps; rep++) {
      // Interleaved: each rep runs every parser once, alternating which goes first.
      const names = Object.keys(feeders);
      if (rep % 2) names.reverse();
      for (const name of names) {
        const run = once(feeders[name]!, stream, chunk, budgetMs);
        const s = (samples[name] ??= { mb: [], ev: [], complete: true });
        s.mb.push(run.mbPerS);
        s.ev.push(run.eventsPerS);
        s.complete &&= run.bytes === stream.length;
      }
    }
    const key = `${streamName}, ${chunk} B chunks`;
    results[key] = Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [name, { mbPerS: summary(s.mb), eventsPerS: summary(s.ev), wholeStream: s.complete }]),
    );
    const ours = summary(samples.ssegen!.mb).median;
    const theirs = summary(samples["eventsource-parser"]!.mb).median;
    console.error(`${key}: ssegen ${ours.toFixed(1)} MB/s, eventsource-parser ${theirs.toFixed(1)} MB/s, ratio ${(ours / theirs).toFixed(2)}`);
  }
}
save("ts_parser", `node build/src/parser_bench.js --reps ${reps} --budget-ms ${budgetMs} --scale ${scale}`, {
  results,
  peer: "eventsource-parser 3.0.6 (4.x needs Node >= 22.12)",
  maxEventSize: "default (16 MiB) on",
});
