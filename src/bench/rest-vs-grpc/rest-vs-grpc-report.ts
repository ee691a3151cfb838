import { escapeHtml } from '../html-report.js';
import { fmt, median } from '../http-compare.js';
import { CATALOGUE_CALLS, CATALOGUE_ITEMS, LIST_PAGE_SIZE } from './catalogue-calls.js';
import { CATALOGUE_SERVICE } from './catalogue-grpc-service.js';
import type { RestVsGrpcResult, StreamMode } from './rest-vs-grpc-suite.js';
import { throughputMedian } from './rest-vs-grpc-suite.js';
import type { ByteCount } from './wire-size.js';

const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? `${fmt(a / b, 2)}x` : '-');
const bytes = (n: number) => fmt(n, Number.isInteger(n) ? 0 : 1);
const sum = (b: ByteCount) => b.request + b.response;
const STREAM_MODES: StreamMode[] = ['gRPC server streaming', 'REST chunked response', 'REST polling'];

/** Throughput and latency: one row per method and concurrency, medians over rounds. */
export function throughputTable(r: RestVsGrpcResult): string {
  const lines = [
    '| method | in flight | REST req/s | gRPC req/s | gRPC / REST | REST p50 / p99 ms | gRPC p50 / p99 ms | REST CPU µs/req | gRPC CPU µs/req | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const call of CATALOGUE_CALLS) {
    for (const c of r.options.concurrencies) {
      const rest = throughputMedian(r.throughput, 'REST', call.method, c);
      const grpc = throughputMedian(r.throughput, 'gRPC', call.method, c);
      if (!rest || !grpc) continue;
      lines.push(
        `| ${call.method} | ${c} | ${fmt(rest.reqPerSec)} | ${fmt(grpc.reqPerSec)} | ${ratio(grpc.reqPerSec, rest.reqPerSec)} | ` +
          `${fmt(rest.p50Ms, 3)} / ${fmt(rest.p99Ms, 3)} | ${fmt(grpc.p50Ms, 3)} / ${fmt(grpc.p99Ms, 3)} | ` +
          `${fmt(rest.cpuUsPerReq, 1)} | ${fmt(grpc.cpuUsPerReq, 1)} | ${rest.errors + grpc.errors} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Message bodies per call, computed exactly: JSON vs protobuf, with and without gzip. */
export function payloadTable(r: RestVsGrpcResult): string {
  const lines = [
    '| method | JSON request | JSON response | JSON+gzip request | JSON+gzip response | protobuf request | protobuf response | gRPC message request | gRPC message response | gRPC+gzip request | gRPC+gzip response |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of r.wire.payloads) {
    lines.push(
      `| ${p.method} | ${p.json.request} | ${p.json.response} | ${p.jsonGzip.request} | ${p.jsonGzip.response} | ` +
        `${p.proto.request} | ${p.proto.response} | ${p.grpc.request} | ${p.grpc.response} | ${p.grpcGzip.request} | ${p.grpcGzip.response} |`,
    );
  }
  return lines.join('\n');
}

/** Bytes on the socket per call, measured. */
export function socketTable(r: RestVsGrpcResult): string {
  const lines = [
    '| method | REST request | REST response | REST total | gRPC request | gRPC response | gRPC total | gRPC / REST | first call on a new connection: REST / gRPC |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of r.wire.sockets) {
    lines.push(
      `| ${s.method} | ${bytes(s.rest.request)} | ${bytes(s.rest.response)} | ${bytes(sum(s.rest))} | ` +
        `${bytes(s.grpc.request)} | ${bytes(s.grpc.response)} | ${bytes(sum(s.grpc))} | ${ratio(sum(s.grpc), sum(s.rest))} | ` +
        `${bytes(sum(s.restFirst))} / ${bytes(sum(s.grpcFirst))} |`,
    );
  }
  return lines.join('\n');
}

/** Streaming: time, server CPU and bytes for N updates each way. */
export function streamTable(r: RestVsGrpcResult): string {
  const n = r.options.streamUpdates;
  const wire: Record<StreamMode, ByteCount> = {
    'gRPC server streaming': r.wire.stream.grpcStream,
    'REST chunked response': r.wire.stream.restChunked,
    'REST polling': r.wire.stream.restPolling,
  };
  const lines = [
    `| ${fmt(n)} updates via | time for all, ms | updates/s | server CPU µs/update | bytes on the wire (request + response) | bytes/update | errors |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const mode of STREAM_MODES) {
    const runs = r.stream.filter((s) => s.mode === mode);
    if (runs.length === 0) continue;
    const ms = median(runs.map((s) => s.msForAll));
    const total = sum(wire[mode]);
    lines.push(
      `| ${mode} | ${fmt(ms, 2)} | ${fmt((n / ms) * 1000)} | ${fmt(median(runs.map((s) => s.cpuUsPerUpdate)), 2)} | ` +
        `${fmt(total)} | ${fmt(total / n, 1)} | ${runs.reduce((s, x) => s + x.errors, 0)} |`,
    );
  }
  return lines.join('\n');
}

export function linesTable(r: RestVsGrpcResult): string {
  const lines = [
    '| side | what | file | code lines | all lines | written by |',
    '| --- | --- | --- | ---: | ---: | --- |',
  ];
  for (const l of r.dx.lines) {
    lines.push(
      `| ${l.side} | ${l.what} | ${l.file.startsWith('(') ? l.file : `\`${l.file}\``} | ${l.code} | ${l.total} | ${l.handWritten ? 'hand' : 'generator'} |`,
    );
  }
  const hand = (side: string) =>
    r.dx.lines
      .filter((l) => l.side === side && l.handWritten && l.file !== '(snippet)')
      .reduce((s, l) => s + l.code, 0);
  lines.push(`| **gRPC** | hand-written server side (.proto + binding) | | **${hand('gRPC')}** | | |`);
  lines.push(`| **REST** | hand-written server side (binding) | | **${hand('REST')}** | | |`);
  return lines.join('\n');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function compileSection(r: RestVsGrpcResult): string {
  if (!r.dx.compile) return `Compile check not run: ${r.dx.compileSkipped}.`;
  const lines = [
    '| client | tsc before the rename | tsc after the rename | the unchanged client at run time |',
    '| --- | --- | --- | --- |',
  ];
  const show = (errs: string[]) =>
    errs.length === 0
      ? 'compiles'
      : errs.map((e) => `\`${cell(e.replace(/^.*?([\w-]+\.ts\()/, '$1'))}\``).join('<br>');
  for (const c of r.dx.compile) {
    lines.push(`| ${c.side} | ${show(c.before)} | ${show(c.after)} | ${cell(c.runtime)} |`);
  }
  return lines.join('\n');
}

export function errorTable(r: RestVsGrpcResult): string {
  const lines = [
    '| failure | REST (status line and body) | gRPC (status and message) |',
    '| --- | --- | --- |',
  ];
  for (const e of r.wire.errors) lines.push(`| ${e.case} | \`${cell(e.rest)}\` | \`${cell(e.grpc)}\` |`);
  return lines.join('\n');
}

export function toolingTable(r: RestVsGrpcResult): string {
  const lines = ['| side | command | printed | wall time ms |', '| --- | --- | --- | ---: |'];
  for (const t of r.dx.tooling) {
    lines.push(`| ${t.side} | \`${cell(t.command)}\` | \`${cell(t.output)}\` | ${fmt(t.wallMs)} |`);
  }
  return lines.join('\n');
}

function header(r: RestVsGrpcResult): string {
  const o = r.options;
  // A pinned server's main thread waits for its core some of the time even on a quiet machine: V8's
  // GC threads share the core (8-13% measured here at load average ~1 with nothing else running).
  // Above that, something else was competing.
  const waited = `the servers' main threads waited for a CPU ${fmt(r.busyShare * 100)}% of the measured time`;
  const busy =
    r.busyShare > 0.15
      ? `\n\n**Preliminary:** ${waited} (other load on the machine).`
      : `\n\nRun-queue check: ${waited}; on a quiet machine this is the server's own GC threads sharing its pinned core.`;
  return (
    `Generated by \`${r.command}\` (${r.startedAt} to ${r.finishedAt}); Node ${r.machine.node}, ` +
    `${r.machine.cpus} × ${r.machine.cpuModel}, load average at the end ${r.machine.loadAverage.map((x) => fmt(x, 2)).join(' ')}. ` +
    `${o.rounds} round(s) of ${o.durationS} s per case, medians; servers ${o.pin ? 'pinned to CPU 0, load tools to CPU 1' : 'not pinned'}.${busy}`
  );
}

/** docs/rest-vs-grpc.md: every table generated from one run's result. */
export function restVsGrpcMarkdown(r: RestVsGrpcResult): string {
  const n = r.options.streamUpdates;
  return `# REST+JSON vs gRPC, one service

<!-- Generated by \`wirestack bench rest-vs-grpc --markdown docs/rest-vs-grpc.md\`: do not edit by hand, rerun it. -->

One service, [\`protos/wirestack/demo/catalogue.proto\`](../protos/wirestack/demo/catalogue.proto)
(${CATALOGUE_SERVICE}: GetItem, ListItems, CreateItem, WatchItems), with one in-memory store and its
handlers (\`src/bench/rest-vs-grpc/catalogue-store.ts\`) bound twice: as gRPC
(\`catalogue-grpc-service.ts\`, served by \`wirestack grpc serve\`) and as REST+JSON on HTTP/1.1
(\`catalogue-rest-routes.ts\`, served by \`wirestack http\`). Both are wirestack's own stacks on the
same raw-syscall TCP core, so the comparison is of the protocols, not of two frameworks.

${header(r)}

## Throughput and latency

REST: \`wrk -t1 -cN --latency\` with N keep-alive connections (POST from a Lua script). gRPC:
\`h2load -c1 -mN\`, N concurrent streams on one HTTP/2 connection (what one gRPC channel does),
posting the 5-byte-prefixed protobuf request with \`content-type: application/grpc\` and
\`te: trailers\`; p50/p99 from h2load's per-request log. Each server starts with ${CATALOGUE_ITEMS} items;
ListItems returns a page of ${LIST_PAGE_SIZE}. CPU is the server process's user + system time from
\`/proc/PID/stat\` divided by the requests completed.

${throughputTable(r)}

## Bytes per call

### Message bodies (computed)

Exactly what each side puts in its body: JSON as the REST routes send it, protobuf as gRPC encodes it
(a gRPC message adds a 5-byte prefix), each also gzip-compressed (zlib default level). A GET carries
its parameters in the URL, so its JSON request body is empty.

${payloadTable(r)}

### On the socket (measured)

Everything both directions carried, counted by the servers' sockets (TCP payload bytes: headers,
framing and bodies; no TCP/IP headers): REST calls made by ${r.wire.curlVersion} on one keep-alive
connection, gRPC calls by wirestack's gRPC client on one HTTP/2 connection. Per call once the
connection is warm (${r.wire.calls} calls; HPACK has indexed the repeated headers), and for the first
call on a new connection (the HTTP/2 preface and SETTINGS exchange included).

${socketTable(r)}

## Streaming: ${fmt(n)} updates

The same ${fmt(n)} \`ItemUpdate\`s three ways: one gRPC server-streaming call (WatchItems, timed by
h2load per call), one REST response of JSON lines sent chunked (\`GET /stream\`, timed by wrk per
response), and REST polling (\`GET /updates?after=K\` once per update on one keep-alive connection
with no pause between polls: the fastest polling can be; time = ${fmt(n)} ÷ polls per second).
Bytes from the socket counters as above.

${streamTable(r)}

## Developer experience

### Lines of code

Counted from the source files (code lines: not blank and not only a comment). The store and its
handlers are shared; each side's binding maps requests onto it and its errors onto the protocol's.

${linesTable(r)}

### What the compiler catches

The server renames \`Item.name\` to \`Item.title\`. The gRPC client's types are regenerated from the
renamed .proto (\`wirestack proto gen\`), the REST client is \`fetch\` with a hand-written response
interface; both are checked with \`tsc --strict\`.

${compileSection(r)}

### Error model

The same failures, as each side reports them (measured against the servers):

${errorTable(r)}

gRPC has a fixed set of status codes every client library understands, a message, and optional
typed details (\`google.rpc.Status\`, see docs/grpc.md); deadlines travel with the call
(\`grpc-timeout\`). REST has HTTP status codes and whatever body shape the API chooses.

### Tooling

The same lookup from a shell, run for real against the two servers:

${toolingTable(r)}

Any HTTP tool speaks REST: curl, a browser's address bar, \`fetch\`. gRPC needs a client that
knows the schema (a .proto, or server reflection: \`wirestack grpc serve\` enables it, so
\`grpcurl\` needs no .proto).

### Browser reach

A browser can call the REST side directly with \`fetch\`. It cannot call the gRPC side: browsers
expose neither HTTP/2 framing nor trailers (where gRPC puts its status) to scripts, so gRPC from a
browser needs gRPC-Web and a translating proxy (e.g. Envoy), which this project does not have.
`;
}

/** A grouped bar chart as inline SVG: one group per label, one bar per series. */
function barChart(
  title: string,
  unit: string,
  labels: string[],
  series: { name: string; values: number[] }[],
): string {
  const W = 760;
  const H = 280;
  const pad = { left: 70, right: 150, top: 30, bottom: 60 };
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e'];
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const groupW = plotW / Math.max(1, labels.length);
  const barW = (groupW * 0.8) / Math.max(1, series.length);
  const y = (v: number) => H - pad.bottom - (v / max) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeHtml(title)}</text>`,
    `<line x1="${pad.left}" y1="${H - pad.bottom}" x2="${W - pad.right}" y2="${H - pad.bottom}" stroke="#888"/>`,
    `<text x="14" y="${pad.top + plotH / 2}" font-size="10" transform="rotate(-90 14 ${pad.top + plotH / 2})" text-anchor="middle">${escapeHtml(unit)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(
      `<line x1="${pad.left}" y1="${y(v)}" x2="${W - pad.right}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${pad.left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${escapeHtml(fmt(v, v < 10 ? 2 : 0))}</text>`,
    );
  }
  labels.forEach((label, g) => {
    const x0 = pad.left + g * groupW + groupW * 0.1;
    series.forEach((s, i) => {
      const v = s.values[g];
      if (!Number.isFinite(v)) return;
      parts.push(
        `<rect x="${x0 + i * barW}" y="${y(v)}" width="${barW - 1}" height="${H - pad.bottom - y(v)}" fill="${colours[i % colours.length]}"><title>${escapeHtml(`${s.name} ${label}: ${fmt(v, 2)} ${unit}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${x0 + (barW * series.length) / 2}" y="${H - pad.bottom + 14}" text-anchor="middle" font-size="10">${escapeHtml(label)}</text>`,
    );
  });
  series.forEach((s, i) => {
    parts.push(
      `<rect x="${W - pad.right + 12}" y="${pad.top + i * 18}" width="12" height="12" fill="${colours[i % colours.length]}"/>`,
      `<text x="${W - pad.right + 30}" y="${pad.top + i * 18 + 10}" font-size="11">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Markdown tables as HTML (only what restVsGrpcMarkdown produces: pipes, bold, code). */
function tableHtml(md: string): string {
  const rows = md.split('\n').filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l));
  const inline = (s: string) =>
    escapeHtml(s.trim().replace(/\\\|/g, '|'))
      .replace(/`([^`]*)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]*)\*\*/g, '<b>$1</b>')
      .replace(/&#60;br&#62;/g, '<br>');
  const cells = (l: string) => l.slice(1, -1).split(/(?<!\\)\|/);
  const [head, ...body] = rows;
  return (
    `<table><tr>${cells(head)
      .map((c) => `<th>${inline(c)}</th>`)
      .join('')}</tr>` +
    body
      .map(
        (l) =>
          `<tr>${cells(l)
            .map((c) => `<td>${inline(c)}</td>`)
            .join('')}</tr>`,
      )
      .join('') +
    '</table>'
  );
}

/** A self-contained HTML report: the tables of the markdown plus bar charts. */
export function restVsGrpcHtml(r: RestVsGrpcResult): string {
  const labels: string[] = [];
  const rps: Record<'REST' | 'gRPC', number[]> = { REST: [], gRPC: [] };
  const p99: Record<'REST' | 'gRPC', number[]> = { REST: [], gRPC: [] };
  const cpu: Record<'REST' | 'gRPC', number[]> = { REST: [], gRPC: [] };
  for (const call of CATALOGUE_CALLS) {
    for (const c of r.options.concurrencies) {
      labels.push(`${call.method} ×${c}`);
      for (const p of ['REST', 'gRPC'] as const) {
        const m = throughputMedian(r.throughput, p, call.method, c);
        rps[p].push(m?.reqPerSec ?? Number.NaN);
        p99[p].push(m?.p99Ms ?? Number.NaN);
        cpu[p].push(m?.cpuUsPerReq ?? Number.NaN);
      }
    }
  }
  const both = (v: Record<'REST' | 'gRPC', number[]>) => [
    { name: 'REST+JSON', values: v.REST },
    { name: 'gRPC', values: v.gRPC },
  ];
  const methods = r.wire.sockets.map((s) => s.method);
  const streamModes = STREAM_MODES.filter((m) => r.stream.some((s) => s.mode === m));
  const charts = [
    barChart('Requests per second (median)', 'req/s', labels, both(rps)),
    barChart('p99 latency (median over rounds)', 'ms', labels, both(p99)),
    barChart('Server CPU per request', 'µs', labels, both(cpu)),
    barChart('Bytes on the socket per call, warm connection (request + response)', 'bytes', methods, [
      { name: 'REST+JSON', values: r.wire.sockets.map((s) => sum(s.rest)) },
      { name: 'gRPC', values: r.wire.sockets.map((s) => sum(s.grpc)) },
    ]),
    barChart('Response body bytes', 'bytes', methods, [
      { name: 'JSON', values: r.wire.payloads.map((p) => p.json.response) },
      { name: 'JSON+gzip', values: r.wire.payloads.map((p) => p.jsonGzip.response) },
      { name: 'gRPC message', values: r.wire.payloads.map((p) => p.grpc.response) },
      { name: 'gRPC+gzip', values: r.wire.payloads.map((p) => p.grpcGzip.response) },
    ]),
    barChart(`Time for ${fmt(r.options.streamUpdates)} updates`, 'ms', streamModes, [
      {
        name: 'median',
        values: streamModes.map((m) => median(r.stream.filter((s) => s.mode === m).map((s) => s.msForAll))),
      },
    ]),
  ];
  const section = (title: string, body: string) => `<h2>${escapeHtml(title)}</h2>${body}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>REST+JSON vs gRPC</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}code{font-size:12px}svg{display:block;margin:1em 0}</style></head>
<body><h1>REST+JSON vs gRPC: one catalogue service</h1>
<p>${escapeHtml(header(r).replace(/\*\*/g, '').replace(/`/g, ''))}</p>
${charts.slice(0, 3).join('\n')}
${section('Throughput and latency', tableHtml(throughputTable(r)))}
${charts[3]}${charts[4]}
${section('Message bodies (computed)', tableHtml(payloadTable(r)))}
${section('Bytes on the socket per call (measured)', tableHtml(socketTable(r)))}
${charts[5]}
${section('Streaming', tableHtml(streamTable(r)))}
${section('Lines of code', tableHtml(linesTable(r)))}
${section('What the compiler catches', r.dx.compile ? tableHtml(compileSection(r)) : `<p>${escapeHtml(compileSection(r))}</p>`)}
${section('Error model', tableHtml(errorTable(r)))}
${section('Tooling', tableHtml(toolingTable(r)))}
</body></html>
`;
}
