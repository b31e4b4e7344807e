// End-to-end streaming over loopback. A child process serves the same stream two ways: the
// generated TS server (createRouter behind the generated node:http adapter, output ts_node) and a raw node:http
// writer sending the same frames. This process reads them: the generated TS client, and
// fetch + eventsource-parser, interleaved rep by rep.
//   node build/src/stream_bench.js [--reps 5] [--scale 1]
import { spawn } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createParser } from "eventsource-parser";
import { BenchServiceClient, createBenchServiceRoutes, createRouter } from "../gen/benchsse/v1/index.js";
import type { Item } from "../gen/benchsse/v1/index.js";
import { serveNode } from "../gen/benchsse/v1/ssegen_node.js";
import { arg, save, summary } from "./stats.js";

function item(sequence: number, payload: string): Item {
  return { symbol: "ACME", price: 100.25, sequence: String(sequence), payload };
}

async function serveBoth(): Promise<void> {
  const routes = createBenchServiceRoutes({
    echo: (request) => request,
    async *stream(request) {
      const payload = "x".repeat(request.size ?? 0);
      for (let i = 0; i < (request.count ?? 0); i++) yield item(i, payload);
    },
  });
  const generated = await serveNode(createRouter(routes));
  const raw = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const count = Number(url.searchParams.get("count"));
    const payload = "x".repeat(Number(url.searchParams.get("size")));
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    for (let i = 0; i < count; i++) {
      if (!res.write("data: " + JSON.stringify(item(i, payload)) + "\n\n")) {
        await new Promise((resolve) => res.once("drain", resolve));
      }
    }
    res.end("event: end\ndata: {}\n\n"); // the generated client expects the end of a clean stream
  });
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
  const port = (raw.address() as AddressInfo).port;
  process.stdout.write(JSON.stringify({ generated: generated.url, raw: `http://127.0.0.1:${port}` }) + "\n");
}

async function readWithParser(url: string): Promise<number> {
  const response = await fetch(url);
  let events = 0;
  const parser = createParser({
    onEvent: (event) => {
      JSON.parse(event.data);
      if (event.event === undefined) events++; // the generated server ends with an `end` event
    },
  });
  const decoder = new TextDecoder();
  const stream = { stream: true };
  for await (const chunk of response.body!) parser.feed(decoder.decode(chunk, stream));
  return events;
}

async function readWithClient(base: string, count: number, size: number): Promise<number> {
  let events = 0;
  for await (const _ of new BenchServiceClient(base).stream({ count, size })) events++;
  return events;
}

async function main(): Promise<void> {
  if (process.argv.includes("--serve")) return serveBoth();
  const reps = Number(arg("reps", "5"));
  const scale = Number(arg("scale", "1"));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], { stdio: ["ignore", "pipe", "inherit"] });
  const urls: { generated: string; raw: string } = await new Promise((resolve) => {
    child.stdout.once("data", (data: Buffer) => resolve(JSON.parse(data.toString())));
  });
  const count = Math.max(1000, Math.round(200000 * scale));
  const size = 16;
  const query = `?count=${count}&size=${size}`;
  const readers: Record<string, () => Promise<number>> = {
    "generated server -> generated client": () => readWithClient(urls.generated, count, size),
    "generated server -> eventsource-parser": () => readWithParser(urls.generated + "/bench/stream" + query),
    "raw node:http -> eventsource-parser": () => readWithParser(urls.raw + "/bench/stream" + query),
    "raw node:http -> generated client": () => readWithClient(urls.raw, count, size),
  };
  const names = Object.keys(readers);
  const samples: Record<string, number[]> = {};
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + rep) % names.length]!;
        const started = performance.now();
        const events = await readers[name]!();
        const seconds = (performance.now() - started) / 1000;
        if (events !== count) throw new Error(`${name}: ${events} events, want ${count}`);
        (samples[name] ??= []).push(events / seconds);
      }
    }
  } finally {
    child.kill();
  }
  const results = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, { eventsPerS: summary(s) }]));
  for (const [name, s] of Object.entries(samples)) console.error(`${name}: ${summary(s).median.toFixed(0)} events/s`);
  save("ts_stream", `node build/src/stream_bench.js --reps ${reps} --scale ${scale}`, { results, count, payloadBytes: size });
}

await main();
