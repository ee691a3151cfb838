import { bytesToString, type RespSerializer } from '../framing/index.js';
import { CommandNameTable } from './command-name-table.js';
import { matchesGlob } from './glob-pattern.js';
import { addInt64, parseInt64 } from './int64-argument.js';
import { keyBytes, keyOf } from './key-value-store.js';
import type { RespSession } from './resp-session.js';

type Handler = (session: RespSession, argv: Uint8Array[], out: RespSerializer) => void;

/** A command the server knows: Redis's arity convention (n exact, -n at least n) and COMMAND metadata. */
export interface RespCommand {
  /** Lowercase, as Redis names it in errors and in COMMAND. */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly group: string;
  readonly summary: string;
  readonly since: string;
  /** Runs in RESP2 subscribed mode (Redis allows only (P)SUBSCRIBE, (P)UNSUBSCRIBE, PING, QUIT, RESET). */
  readonly allowedWhenSubscribed: boolean;
  readonly run: Handler;
}

export const SERVER_VERSION = '7.0.0';

const NOT_INTEGER = 'ERR value is not an integer or out of range';
const SYNTAX_ERROR = 'ERR syntax error';
const OK = 'OK';
const enc = new TextEncoder();
const SUBSCRIBE = enc.encode('subscribe');
const UNSUBSCRIBE = enc.encode('unsubscribe');
const PSUBSCRIBE = enc.encode('psubscribe');
const PUNSUBSCRIBE = enc.encode('punsubscribe');
const PONG = enc.encode('pong');
const EMPTY = new Uint8Array(0);

/**
 * Runs one command: looks its name up without building a string, checks arity and subscribed-mode
 * rules in Redis's order, and writes the reply (or Redis's exact error text) to `out`.
 */
export function executeCommand(session: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const command = COMMANDS.find(argv[0]);
  if (command === undefined) {
    writeSafeError(out, unknownCommandText(argv));
    return;
  }
  const argc = argv.length;
  if (command.arity > 0 ? argc !== command.arity : argc < -command.arity) {
    out.writeError(arityText(command.name));
    return;
  }
  if (session.protocol === 2 && session.subscriptionCount > 0 && !command.allowedWhenSubscribed) {
    out.writeError(
      `ERR Can't execute '${command.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
    return;
  }
  command.run(session, argv, out);
}

/** `ERR unknown command 'foo', with args beginning with: 'a' 'b' ` (Redis caps the args at about 128 bytes). */
function unknownCommandText(argv: Uint8Array[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${bytesToString(argv[i]).slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${bytesToString(argv[0]).slice(0, 128)}', with args beginning with: ${args}`;
}

function arityText(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

function writeSafeError(out: RespSerializer, text: string): void {
  // Client bytes end up in the text; a CR or LF would end the error line early (as addReplyErrorFormat).
  out.writeError(text.replace(/[\r\n]/g, ' '));
}

function lowerAscii(bytes: Uint8Array): string {
  return bytesToString(bytes).toLowerCase();
}

// --- keys and strings -------------------------------------------------------------------------

function ping(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  if (argv.length > 2) {
    out.writeError(arityText('ping'));
    return;
  }
  if (s.protocol === 2 && s.subscriptionCount > 0) {
    out
      .writeArrayHeader(2)
      .writeBulk(PONG)
      .writeBulk(argv.length === 2 ? argv[1] : EMPTY);
    return;
  }
  if (argv.length === 2) out.writeBulk(argv[1]);
  else out.writeSimpleString('PONG');
}

function echo(_s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  out.writeBulk(argv[1]);
}

/** Values from this size on skip the serializer: see writeValueReply. */
const LARGE_VALUE = 64 * 1024;
const CRLF = new Uint8Array([13, 10]);

/**
 * A stored value as a bulk reply. Small ones are copied into the batch's serializer; a large one is
 * sent as [header, value, CRLF] with writev after what the batch has so far, so the shared serializer
 * never grows to the size of the largest value ever read (and the value is not copied when the kernel
 * takes it). Stored values are never modified in place, so handing out the view is safe.
 */
function writeValueReply(s: RespSession, value: Uint8Array, out: RespSerializer): void {
  if (value.length < LARGE_VALUE) {
    out.writeBulk(value);
    return;
  }
  s.flush();
  s.conn.writev([enc.encode(`$${value.length}\r\n`), value, CRLF]);
}

function get(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const value = s.context.store.get(keyOf(argv[1]));
  if (value === undefined) out.writeNull();
  else writeValueReply(s, value, out);
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EXPIRE = 16;

function set(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const store = s.context.store;
  let flags = 0;
  let deadline: number | null = null;
  for (let i = 3; i < argv.length; i++) {
    const option = lowerAscii(argv[i]);
    if (option === 'nx' && !(flags & SET_XX)) flags |= SET_NX;
    else if (option === 'xx' && !(flags & SET_NX)) flags |= SET_XX;
    else if (option === 'get') flags |= SET_GET;
    else if (option === 'keepttl' && !(flags & SET_EXPIRE)) flags |= SET_KEEPTTL;
    else if (
      (option === 'ex' || option === 'px' || option === 'exat' || option === 'pxat') &&
      !(flags & (SET_KEEPTTL | SET_EXPIRE)) &&
      i + 1 < argv.length
    ) {
      flags |= SET_EXPIRE;
      const n = parseInt64(argv[++i]);
      if (n === null) {
        out.writeError(NOT_INTEGER);
        return;
      }
      const at = expireDeadline(
        n,
        option === 'ex' || option === 'exat' ? 1000 : 1,
        option.endsWith('at'),
        store.now(),
      );
      if (at === null) {
        out.writeError("ERR invalid expire time in 'set' command");
        return;
      }
      deadline = at;
    } else {
      out.writeError(SYNTAX_ERROR);
      return;
    }
  }
  const key = keyOf(argv[1]);
  const old = store.get(key);
  if ((flags & SET_NX && old !== undefined) || (flags & SET_XX && old === undefined)) {
    if (flags & SET_GET && old !== undefined) out.writeBulk(old);
    else out.writeNull();
    return;
  }
  store.set(key, argv[2].slice(), flags & SET_KEEPTTL ? undefined : deadline);
  if (flags & SET_GET) {
    if (old === undefined) out.writeNull();
    else out.writeBulk(old);
  } else {
    out.writeSimpleString(OK);
  }
}

/**
 * An absolute deadline in ms from a SET/EXPIRE argument, or null when Redis would call it an invalid
 * expire time: not positive (SET only, `positiveOnly`), or too far to represent.
 */
function expireDeadline(
  n: number | bigint,
  unitMs: number,
  absolute: boolean,
  now: number,
  positiveOnly = true,
): number | null {
  if (typeof n === 'bigint') return null;
  if (positiveOnly && n <= 0) return null;
  const ms = n * unitMs;
  const at = absolute ? ms : now + ms;
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(at)) return null;
  return at;
}

function del(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  let removed = 0;
  for (let i = 1; i < argv.length; i++) if (s.context.store.delete(keyOf(argv[i]))) removed++;
  out.writeInteger(removed);
}

function exists(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  let found = 0;
  for (let i = 1; i < argv.length; i++) if (s.context.store.has(keyOf(argv[i]))) found++;
  out.writeInteger(found);
}

function incrementBy(s: RespSession, key: Uint8Array, by: number | bigint, out: RespSerializer): void {
  const store = s.context.store;
  const k = keyOf(key);
  const current = store.get(k);
  let value: number | bigint = 0;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === null) {
      out.writeError(NOT_INTEGER);
      return;
    }
    value = parsed;
  }
  const next = addInt64(value, by);
  if (next === null) {
    out.writeError('ERR increment or decrement would overflow');
    return;
  }
  store.set(k, enc.encode(String(next)));
  out.writeInteger(next);
}

function incr(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  incrementBy(s, argv[1], 1, out);
}

function decr(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  incrementBy(s, argv[1], -1, out);
}

function incrby(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const by = parseInt64(argv[2]);
  if (by === null) out.writeError(NOT_INTEGER);
  else incrementBy(s, argv[1], by, out);
}

function decrby(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const by = parseInt64(argv[2]);
  if (by === null) out.writeError(NOT_INTEGER);
  else if (by === -(2n ** 63n)) out.writeError('ERR decrement would overflow');
  else incrementBy(s, argv[1], typeof by === 'bigint' ? -by : -by, out);
}

function mget(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  out.writeArrayHeader(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const value = s.context.store.get(keyOf(argv[i]));
    if (value === undefined) out.writeNull();
    else writeValueReply(s, value, out);
  }
}

function mset(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  if (argv.length % 2 === 0) {
    out.writeError(arityText('mset'));
    return;
  }
  for (let i = 1; i < argv.length; i += 2) s.context.store.set(keyOf(argv[i]), argv[i + 1].slice(), null);
  out.writeSimpleString(OK);
}

function expireWith(unitMs: number, name: string): Handler {
  return (s, argv, out) => {
    const store = s.context.store;
    const n = parseInt64(argv[2]);
    if (n === null) {
      out.writeError(NOT_INTEGER);
      return;
    }
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    for (let i = 3; i < argv.length; i++) {
      const option = lowerAscii(argv[i]);
      if (option === 'nx') nx = true;
      else if (option === 'xx') xx = true;
      else if (option === 'gt') gt = true;
      else if (option === 'lt') lt = true;
      else {
        writeSafeError(out, `ERR Unsupported option ${bytesToString(argv[i])}`);
        return;
      }
    }
    if (nx && (xx || gt || lt)) {
      out.writeError('ERR NX and XX, GT or LT options at the same time are not compatible');
      return;
    }
    if (gt && lt) {
      out.writeError('ERR GT and LT options at the same time are not compatible');
      return;
    }
    const deadline = expireDeadline(n, unitMs, false, store.now(), false);
    if (deadline === null) {
      out.writeError(`ERR invalid expire time in '${name}' command`);
      return;
    }
    const key = keyOf(argv[1]);
    if (!store.has(key)) {
      out.writeInteger(0);
      return;
    }
    const current = store.deadlineOf(key);
    if (
      (nx && current !== undefined) ||
      (xx && current === undefined) ||
      (gt && (current === undefined || deadline <= current)) ||
      (lt && current !== undefined && deadline >= current)
    ) {
      out.writeInteger(0);
      return;
    }
    store.expireAt(key, deadline);
    out.writeInteger(1);
  };
}

function ttl(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const ms = s.context.store.ttlMs(keyOf(argv[1]));
  out.writeInteger(ms < 0 ? ms : Math.floor((ms + 500) / 1000));
}

function pttl(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  out.writeInteger(s.context.store.ttlMs(keyOf(argv[1])));
}

function persist(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  out.writeInteger(s.context.store.persist(keyOf(argv[1])) ? 1 : 0);
}

function keys(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const found = s.context.store.keys(argv[1]);
  out.writeArrayHeader(found.length);
  for (const key of found) out.writeBulk(key);
}

function dbsize(s: RespSession, _argv: Uint8Array[], out: RespSerializer): void {
  out.writeInteger(s.context.store.size);
}

function flush(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  if (argv.length > 2 || (argv.length === 2 && !['async', 'sync'].includes(lowerAscii(argv[1])))) {
    out.writeError(SYNTAX_ERROR);
    return;
  }
  s.context.store.clear();
  out.writeSimpleString(OK);
}

function select(_s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const index = parseInt64(argv[1]);
  if (index === null) out.writeError(NOT_INTEGER);
  else if (index < -2147483648 || index > 2147483647) {
    // Redis's getIntFromObjectOrReply text, typo included.
    out.writeError('ERR value is out of range, value must between -2147483648 and 2147483647');
  } else if (index !== 0) out.writeError('ERR DB index is out of range');
  else out.writeSimpleString(OK);
}

// --- connection ---------------------------------------------------------------------------------

function quit(s: RespSession, _argv: Uint8Array[], out: RespSerializer): void {
  out.writeSimpleString(OK);
  s.closing = true;
}

function reset(s: RespSession, _argv: Uint8Array[], out: RespSerializer): void {
  unsubscribeAll(s, null, false);
  unsubscribeAll(s, null, true);
  s.protocol = 2;
  s.name = null;
  out.protocol = 2;
  out.writeSimpleString('RESET');
}

/** Redis accepts client names of printable ASCII without spaces ('!' to '~'). */
function validClientName(name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) if (name[i] < 33 || name[i] > 126) return false;
  return true;
}

const BAD_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

function hello(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  let protocol = s.protocol;
  if (argv.length >= 2) {
    const v = parseInt64(argv[1]);
    if (v === null) {
      out.writeError('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (v !== 2 && v !== 3) {
      out.writeError('NOPROTO unsupported protocol version');
      return;
    }
    protocol = v;
  }
  let name: Uint8Array | undefined;
  for (let i = 2; i < argv.length; i++) {
    const option = lowerAscii(argv[i]);
    if (option === 'auth' && i + 2 < argv.length) {
      // No passwords here: the default user has none, like a stock redis-server; other users do not exist.
      if (lowerAscii(argv[i + 1]) !== 'default') {
        out.writeError('WRONGPASS invalid username-password pair or user is disabled.');
        return;
      }
      i += 2;
    } else if (option === 'setname' && i + 1 < argv.length) {
      name = argv[++i];
      if (!validClientName(name)) {
        out.writeError(BAD_NAME);
        return;
      }
    } else {
      writeSafeError(out, `ERR Syntax error in HELLO option '${bytesToString(argv[i])}'`);
      return;
    }
  }
  if (name !== undefined) s.name = name.length === 0 ? null : name.slice();
  s.protocol = protocol;
  out.protocol = protocol;
  out.writeMapHeader(7);
  out.writeBulk('server').writeBulk('redis');
  out.writeBulk('version').writeBulk(SERVER_VERSION);
  out.writeBulk('proto').writeInteger(protocol);
  out.writeBulk('id').writeInteger(s.id);
  out.writeBulk('mode').writeBulk('standalone');
  out.writeBulk('role').writeBulk('master');
  out.writeBulk('modules').writeArrayHeader(0);
}

function client(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const sub = lowerAscii(argv[1]);
  const exact = (n: number) => {
    if (argv.length === n) return true;
    out.writeError(arityText(`client|${sub}`));
    return false;
  };
  switch (sub) {
    case 'setname':
      if (!exact(3)) return;
      if (!validClientName(argv[2])) {
        out.writeError(BAD_NAME);
        return;
      }
      s.name = argv[2].length === 0 ? null : argv[2].slice();
      out.writeSimpleString(OK);
      return;
    case 'getname':
      if (!exact(2)) return;
      if (s.name === null) out.writeNull();
      else out.writeBulk(s.name);
      return;
    case 'id':
      if (!exact(2)) return;
      out.writeInteger(s.id);
      return;
    case 'setinfo': {
      if (!exact(4)) return;
      const attr = lowerAscii(argv[2]);
      if (attr !== 'lib-name' && attr !== 'lib-ver') {
        writeSafeError(out, `ERR Unrecognized option '${bytesToString(argv[2])}'`);
        return;
      }
      if (!validClientName(argv[3])) {
        writeSafeError(out, `ERR ${attr} cannot contain spaces, newlines or special characters.`);
        return;
      }
      if (attr === 'lib-name') s.libName = argv[3].slice();
      else s.libVersion = argv[3].slice();
      out.writeSimpleString(OK);
      return;
    }
    case 'info':
      if (!exact(2)) return;
      out.writeVerbatim('txt', `${clientInfoLine(s)}\n`);
      return;
    case 'list': {
      let text = '';
      for (const other of s.context.sessions.values()) text += `${clientInfoLine(other)}\n`;
      out.writeVerbatim('txt', text);
      return;
    }
    default:
      writeSafeError(out, `ERR unknown subcommand '${bytesToString(argv[1])}'. Try CLIENT HELP.`);
  }
}

function clientInfoLine(s: RespSession): string {
  const remote = s.conn.remoteAddress;
  const addr = remote ? `${remote.family === 6 ? `[${remote.host}]` : remote.host}:${remote.port}` : '?';
  const age = Math.floor((Date.now() - s.createdAt) / 1000);
  const name = s.name ? bytesToString(s.name) : '';
  return (
    `id=${s.id} addr=${addr} fd=${s.conn.fd} name=${name} age=${age} db=0 sub=${s.channels.size} ` +
    `psub=${s.patterns.size} resp=${s.protocol} lib-name=${s.libName ? bytesToString(s.libName) : ''} ` +
    `lib-ver=${s.libVersion ? bytesToString(s.libVersion) : ''}`
  );
}

// --- introspection -----------------------------------------------------------------------------

function command(_s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const all = COMMANDS.values();
  if (argv.length === 1) {
    out.writeArrayHeader(all.length);
    for (const c of all) writeCommandInfo(c, out);
    return;
  }
  const sub = lowerAscii(argv[1]);
  if (sub === 'count' && argv.length === 2) {
    out.writeInteger(all.length);
  } else if (sub === 'info') {
    const wanted = argv.length === 2 ? all : argv.slice(2).map((name) => COMMANDS.find(name));
    out.writeArrayHeader(wanted.length);
    for (const c of wanted) {
      if (c === undefined) out.writeNullArray();
      else writeCommandInfo(c, out);
    }
  } else if (sub === 'docs') {
    const wanted =
      argv.length === 2
        ? all
        : argv
            .slice(2)
            .map((name) => COMMANDS.find(name))
            .filter((c): c is RespCommand => c !== undefined);
    out.writeMapHeader(wanted.length);
    for (const c of wanted) {
      out.writeBulk(c.name);
      out.writeMapHeader(3);
      out.writeBulk('summary').writeBulk(c.summary);
      out.writeBulk('since').writeBulk(c.since);
      out.writeBulk('group').writeBulk(c.group);
    }
  } else if (sub === 'count') {
    out.writeError(arityText('command|count'));
  } else {
    writeSafeError(out, `ERR unknown subcommand '${bytesToString(argv[1])}'. Try COMMAND HELP.`);
  }
}

/** Redis 7's ten-field COMMAND reply for one command (no key specs or subcommands). */
function writeCommandInfo(c: RespCommand, out: RespSerializer): void {
  out.writeArrayHeader(10);
  out.writeBulk(c.name);
  out.writeInteger(c.arity);
  out.writeSetHeader(c.flags.length);
  for (const f of c.flags) out.writeSimpleString(f);
  out.writeInteger(c.firstKey).writeInteger(c.lastKey).writeInteger(c.keyStep);
  out.writeSetHeader(1).writeSimpleString(`@${c.group === 'generic' ? 'keyspace' : c.group}`);
  out.writeSetHeader(0);
  out.writeArrayHeader(0);
  out.writeArrayHeader(0);
}

function config(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const sub = lowerAscii(argv[1]);
  if (sub === 'get') {
    if (argv.length < 3) {
      out.writeError(arityText('config|get'));
      return;
    }
    const params = configParameters(s);
    const matched: Array<[string, string]> = [];
    for (const [name, value] of params) {
      const bytes = enc.encode(name);
      for (let i = 2; i < argv.length; i++) {
        if (matchesGlob(argv[i], bytes)) {
          matched.push([name, value]);
          break;
        }
      }
    }
    out.writeMapHeader(matched.length);
    for (const [name, value] of matched) out.writeBulk(name).writeBulk(value);
  } else if (sub === 'set') {
    writeSafeError(
      out,
      `ERR Unknown option or number of arguments for CONFIG SET - '${argv.length > 2 ? bytesToString(argv[2]) : ''}'`,
    );
  } else if (sub === 'resetstat' && argv.length === 2) {
    const stats = s.context.stats;
    stats.commandsProcessed = 0;
    stats.protocolErrors = 0;
    stats.pubsubLimitDisconnects = 0;
    out.writeSimpleString(OK);
  } else {
    writeSafeError(out, `ERR unknown subcommand '${bytesToString(argv[1])}'. Try CONFIG HELP.`);
  }
}

function configParameters(s: RespSession): Array<[string, string]> {
  const limit = s.context.pubsubOutputLimit;
  const parser = s.context.parserOptions;
  return [
    ['port', String(s.context.port())],
    ['save', ''],
    ['appendonly', 'no'],
    ['databases', '1'],
    ['timeout', '0'],
    ['maxmemory', '0'],
    ['maxmemory-policy', 'noeviction'],
    [
      'client-output-buffer-limit',
      `normal 0 0 0 slave 268435456 67108864 60 pubsub ${limit.hardBytes} ${limit.softBytes} ${limit.softSeconds}`,
    ],
    ['proto-max-bulk-len', String(parser.maxBulkLength ?? 512 * 1024 * 1024)],
    ['client-query-buffer-limit', String(parser.maxQueryBufferSize ?? 1024 * 1024 * 1024)],
  ];
}

function info(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  const context = s.context;
  const sections: Record<string, string[]> = {
    server: [
      `redis_version:${SERVER_VERSION}`,
      'redis_mode:standalone',
      'server_name:wirestack',
      `process_id:${process.pid}`,
      `tcp_port:${context.port()}`,
      `uptime_in_seconds:${Math.floor((Date.now() - context.startedAt) / 1000)}`,
    ],
    clients: [`connected_clients:${context.sessions.size}`],
    stats: [
      `total_connections_received:${context.stats.connectionsReceived}`,
      `total_commands_processed:${context.stats.commandsProcessed}`,
      `expired_keys:${context.store.expiredKeys}`,
      `pubsub_channels:${context.hub.channelCount}`,
      `pubsub_patterns:${context.hub.patternCount}`,
      `total_error_replies_protocol:${context.stats.protocolErrors}`,
      `client_output_buffer_limit_disconnections:${context.stats.pubsubLimitDisconnects}`,
    ],
    keyspace:
      context.store.size > 0
        ? [`db0:keys=${context.store.size},expires=${context.store.volatileSize},avg_ttl=0`]
        : [],
  };
  const wanted = argv.slice(1).map(lowerAscii);
  const all = wanted.length === 0 || wanted.some((w) => w === 'all' || w === 'default' || w === 'everything');
  let text = '';
  for (const [name, lines] of Object.entries(sections)) {
    if (!all && !wanted.includes(name)) continue;
    if (text.length > 0) text += '\r\n';
    text += `# ${name[0].toUpperCase()}${name.slice(1)}\r\n`;
    for (const line of lines) text += `${line}\r\n`;
  }
  out.writeVerbatim('txt', text);
}

// --- pub/sub -------------------------------------------------------------------------------------

function publish(s: RespSession, argv: Uint8Array[], out: RespSerializer): void {
  out.writeInteger(s.context.hub.publish(argv[1], keyOf(argv[1]), argv[2]));
}

function subscribeWith(pattern: boolean): Handler {
  return (s, argv, out) => {
    const hub = s.context.hub;
    for (let i = 1; i < argv.length; i++) {
      const key = keyOf(argv[i]);
      if (pattern) {
        if (!s.patterns.has(key)) {
          s.patterns.add(key);
          hub.psubscribe(s, key);
        }
      } else if (!s.channels.has(key)) {
        s.channels.add(key);
        hub.subscribe(s, key);
      }
      out
        .writePushHeader(3)
        .writeBulk(pattern ? PSUBSCRIBE : SUBSCRIBE)
        .writeBulk(argv[i])
        .writeInteger(s.subscriptionCount);
    }
  };
}

function unsubscribeWith(pattern: boolean): Handler {
  return (s, argv, out) => {
    if (argv.length === 1) {
      unsubscribeAll(s, out, pattern);
      return;
    }
    for (let i = 1; i < argv.length; i++) unsubscribeOne(s, keyOf(argv[i]), argv[i], out, pattern);
  };
}

function unsubscribeOne(
  s: RespSession,
  key: string,
  name: Uint8Array,
  out: RespSerializer | null,
  pattern: boolean,
): void {
  if (pattern) {
    if (s.patterns.delete(key)) s.context.hub.punsubscribe(s, key);
  } else if (s.channels.delete(key)) {
    s.context.hub.unsubscribe(s, key);
  }
  out
    ?.writePushHeader(3)
    .writeBulk(pattern ? PUNSUBSCRIBE : UNSUBSCRIBE)
    .writeBulk(name)
    .writeInteger(s.subscriptionCount);
}

/** UNSUBSCRIBE/PUNSUBSCRIBE without arguments: one reply per subscription, or one with a null name. */
function unsubscribeAll(s: RespSession, out: RespSerializer | null, pattern: boolean): void {
  const set = pattern ? s.patterns : s.channels;
  if (set.size === 0) {
    out
      ?.writePushHeader(3)
      .writeBulk(pattern ? PUNSUBSCRIBE : UNSUBSCRIBE)
      .writeNull()
      .writeInteger(s.subscriptionCount);
    return;
  }
  for (const key of [...set]) unsubscribeOne(s, key, keyBytes(key), out, pattern);
}

// --- the table ------------------------------------------------------------------------------------

interface Definition {
  arity: number;
  flags: string;
  keys?: [number, number, number];
  group: string;
  summary: string;
  since: string;
  subscribed?: boolean;
  run: Handler;
}

const DEFINITIONS: Record<string, Definition> = {
  ping: {
    arity: -1,
    flags: 'fast',
    group: 'connection',
    summary: 'Ping the server',
    since: '1.0.0',
    subscribed: true,
    run: ping,
  },
  echo: {
    arity: 2,
    flags: 'fast',
    group: 'connection',
    summary: 'Echo the given string',
    since: '1.0.0',
    run: echo,
  },
  quit: {
    arity: -1,
    flags: 'fast',
    group: 'connection',
    summary: 'Close the connection',
    since: '1.0.0',
    subscribed: true,
    run: quit,
  },
  reset: {
    arity: 1,
    flags: 'fast',
    group: 'connection',
    summary: 'Reset the connection',
    since: '6.2.0',
    subscribed: true,
    run: reset,
  },
  hello: {
    arity: -1,
    flags: 'fast',
    group: 'connection',
    summary: 'Handshake with Redis',
    since: '6.0.0',
    run: hello,
  },
  select: {
    arity: 2,
    flags: 'fast',
    group: 'connection',
    summary: 'Change the selected database for the current connection',
    since: '1.0.0',
    run: select,
  },
  client: {
    arity: -2,
    flags: 'admin',
    group: 'connection',
    summary: 'A container for client connection commands',
    since: '2.4.0',
    run: client,
  },
  get: {
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: 'string',
    summary: 'Get the value of a key',
    since: '1.0.0',
    run: get,
  },
  set: {
    arity: -3,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: 'string',
    summary: 'Set the string value of a key',
    since: '1.0.0',
    run: set,
  },
  incr: {
    arity: 2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: 'string',
    summary: 'Increment the integer value of a key by one',
    since: '1.0.0',
    run: incr,
  },
  decr: {
    arity: 2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: 'string',
    summary: 'Decrement the integer value of a key by one',
    since: '1.0.0',
    run: decr,
  },
  incrby: {
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: 'string',
    summary: 'Increment the integer value of a key by the given amount',
    since: '1.0.0',
    run: incrby,
  },
  decrby: {
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: 'string',
    summary: 'Decrement the integer value of a key by the given number',
    since: '1.0.0',
    run: decrby,
  },
  mget: {
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    group: 'string',
    summary: 'Get the values of all the given keys',
    since: '1.0.0',
    run: mget,
  },
  mset: {
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 2],
    group: 'string',
    summary: 'Set multiple keys to multiple values',
    since: '1.0.1',
    run: mset,
  },
  del: {
    arity: -2,
    flags: 'write',
    keys: [1, -1, 1],
    group: 'generic',
    summary: 'Delete a key',
    since: '1.0.0',
    run: del,
  },
  exists: {
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    group: 'generic',
    summary: 'Determine if a key exists',
    since: '1.0.0',
    run: exists,
  },
  expire: {
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: 'generic',
    summary: "Set a key's time to live in seconds",
    since: '1.0.0',
    run: expireWith(1000, 'expire'),
  },
  pexpire: {
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: 'generic',
    summary: "Set a key's time to live in milliseconds",
    since: '2.6.0',
    run: expireWith(1, 'pexpire'),
  },
  ttl: {
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: 'generic',
    summary: 'Get the time to live for a key in seconds',
    since: '1.0.0',
    run: ttl,
  },
  pttl: {
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: 'generic',
    summary: 'Get the time to live for a key in milliseconds',
    since: '2.6.0',
    run: pttl,
  },
  persist: {
    arity: 2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: 'generic',
    summary: 'Remove the expiration from a key',
    since: '2.2.0',
    run: persist,
  },
  keys: {
    arity: 2,
    flags: 'readonly',
    group: 'generic',
    summary: 'Find all keys matching the given pattern',
    since: '1.0.0',
    run: keys,
  },
  dbsize: {
    arity: 1,
    flags: 'readonly fast',
    group: 'server',
    summary: 'Return the number of keys in the selected database',
    since: '1.0.0',
    run: dbsize,
  },
  flushall: {
    arity: -1,
    flags: 'write',
    group: 'server',
    summary: 'Remove all keys from all databases',
    since: '1.0.0',
    run: flush,
  },
  flushdb: {
    arity: -1,
    flags: 'write',
    group: 'server',
    summary: 'Remove all keys from the current database',
    since: '1.0.0',
    run: flush,
  },
  command: {
    arity: -1,
    flags: 'loading stale',
    group: 'server',
    summary: 'Get array of Redis command details',
    since: '2.8.13',
    run: command,
  },
  config: {
    arity: -2,
    flags: 'admin',
    group: 'server',
    summary: 'A container for server configuration commands',
    since: '2.0.0',
    run: config,
  },
  info: {
    arity: -1,
    flags: 'loading stale',
    group: 'server',
    summary: 'Get information and statistics about the server',
    since: '1.0.0',
    run: info,
  },
  publish: {
    arity: 3,
    flags: 'pubsub loading stale fast',
    group: 'pubsub',
    summary: 'Post a message to a channel',
    since: '2.0.0',
    run: publish,
  },
  subscribe: {
    arity: -2,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    summary: 'Listen for messages published to the given channels',
    since: '2.0.0',
    subscribed: true,
    run: subscribeWith(false),
  },
  unsubscribe: {
    arity: -1,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    summary: 'Stop listening for messages posted to the given channels',
    since: '2.0.0',
    subscribed: true,
    run: unsubscribeWith(false),
  },
  psubscribe: {
    arity: -2,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    summary: 'Listen for messages published to channels matching the given patterns',
    since: '2.0.0',
    subscribed: true,
    run: subscribeWith(true),
  },
  punsubscribe: {
    arity: -1,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    summary: 'Stop listening for messages posted to channels matching the given patterns',
    since: '2.0.0',
    subscribed: true,
    run: unsubscribeWith(true),
  },
};

/** Every command the server answers, looked up by the bytes a client sent (any letter case). */
export const COMMANDS = new CommandNameTable<RespCommand>();
for (const [name, d] of Object.entries(DEFINITIONS)) {
  const [firstKey, lastKey, keyStep] = d.keys ?? [0, 0, 0];
  COMMANDS.add(name, {
    name,
    arity: d.arity,
    flags: d.flags.split(' '),
    firstKey,
    lastKey,
    keyStep,
    group: d.group,
    summary: d.summary,
    since: d.since,
    allowedWhenSubscribed: d.subscribed ?? false,
    run: d.run,
  });
}
