/**
 * What both fake servers share: a real HTTP server on 127.0.0.1 that can be
 * stopped and started again on the same port, a log of every request, and
 * switchable broken modes (slow, never answering, connection reset, an HTML
 * page, truncated JSON, huge and gzip-bomb bodies, a trickled body, any
 * status, a redirect). Each product's fake supplies only its routes.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/** One request as the fake received it. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  at: number;
}

/** A way to misbehave, applied before the routes see the request. */
export type FakeMode =
  | { kind: 'normal' }
  /** Answer normally after a delay. */
  | { kind: 'slow'; delayMs: number }
  /** Answer normally once `until` settles: a test decides when, whatever the machine's load. */
  | { kind: 'held'; until: Promise<void> }
  /** Accept the connection and never answer. */
  | { kind: 'timeout' }
  /** Drop the connection without a word. */
  | { kind: 'reset' }
  /** Send headers and half a JSON body, then drop the connection. */
  | { kind: 'reset-mid-body' }
  /** A 200 web page, as a wrong URL or an SPA fallback gives. */
  | { kind: 'html' }
  /** A complete response whose JSON is cut in half. */
  | { kind: 'truncated' }
  /** A JSON body of `bytes` (default 80 MB), streamed; `declareLength` sends Content-Length. */
  | { kind: 'huge'; bytes?: number; declareLength?: boolean; contentType?: string }
  /** A gzip body of ~100 KB that inflates to `bytes` (default 100 MB). */
  | { kind: 'gzip-bomb'; bytes?: number }
  /** Headers at once, then one byte of JSON every `intervalMs`, forever. */
  | { kind: 'trickle'; intervalMs: number }
  /** Any status, body (text or raw bytes) and headers. */
  | {
      kind: 'status';
      status: number;
      body?: string | Uint8Array;
      contentType?: string;
      headers?: Record<string, string>;
    }
  /** A redirect to `to` plus the request's path and query (or exactly `to` with `exact`). */
  | { kind: 'redirect'; to: string; status?: number; exact?: boolean }
  /**
   * A hostile server (test/fakes/hostile-world.ts): `answer` picks how to
   * answer each request, or returns null to let the routes answer it.
   */
  | { kind: 'hostile'; answer: (url: URL, req: IncomingMessage) => FakeMode | null };

/** When a mode applies: the next `times` matching requests (all, if not given). */
interface ModeScope {
  times?: number;
  /** Only requests whose path passes this. */
  match?: (path: string) => boolean;
  /** Only requests of this method (e.g. a write's PATCH, to misbehave mid-run on writes only). */
  method?: string;
}

/** Answers one request that passed the mode; returns false to fall through to 404. */
export type Router = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** The controls every fake offers. */
export interface FakeControls {
  /** Base URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly port: number;
  /** Every request received, oldest first. */
  readonly requests: LoggedRequest[];
  setMode(mode: FakeMode, scope?: ModeScope): void;
  /** Stops listening and drops every open connection (the server "goes offline"). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

const APP_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>App</title></head><body><div id="app"></div><script src="/_app/start.js"></script></body></html>';

let bombCache: { bytes: number; gz: Buffer } | null = null;
function gzipBomb(bytes: number): Buffer {
  if (bombCache?.bytes !== bytes)
    bombCache = { bytes, gz: gzipSync(Buffer.alloc(bytes, 0x20), { level: 9 }) };
  return bombCache.gz;
}

/** Sends a JSON body that is already a string or Buffer (the fakes cache them). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(buf.length),
    ...headers,
  });
  res.end(buf);
}

/** Sends the web app's HTML page with status 200, as an SPA fallback does. */
export function sendHtml(res: ServerResponse, status = 200, html = APP_HTML): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
  });
  res.end(html);
}

/** Sends bytes with a content type. */
export function sendBytes(
  res: ServerResponse,
  status: number,
  contentType: string,
  bytes: Uint8Array,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(bytes.byteLength),
    ...headers,
  });
  res.end(Buffer.from(bytes));
}

/** Builds a fake around a router. */
export async function startFakeServer(
  router: Router,
  options: { port?: number } = {},
): Promise<FakeControls> {
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  let mode: FakeMode = { kind: 'normal' };
  let scope: ModeScope = {};
  let remaining = Infinity;
  let server: Server | null = null;
  let port = options.port ?? 0;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();

  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  async function misbehave(
    active: FakeMode,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<boolean> {
    switch (active.kind) {
      case 'normal':
        return false;
      case 'slow':
        await new Promise<void>((resolve) => later(resolve, active.delayMs));
        return false;
      case 'held':
        await active.until;
        // A client that gave up meanwhile is answered nothing.
        return req.socket.destroyed;
      case 'timeout':
        return true; // never answer; stop() or the client's timeout ends it
      case 'reset':
        req.socket.destroy();
        return true;
      case 'reset-mid-body':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100000' });
        res.write('{"result":"success","msg":"","members":[{"user_id":1,');
        later(() => req.socket.destroy(), 20);
        return true;
      case 'html':
        sendHtml(res);
        return true;
      case 'truncated': {
        const body = '{"result":"success","msg":"","members":[{"user_id":8,"full_name":"Zo';
        sendJson(res, 200, body);
        return true;
      }
      case 'huge': {
        const total = active.bytes ?? 80 * 1024 * 1024;
        const headers: Record<string, string> = {
          'Content-Type': active.contentType ?? 'application/json',
        };
        if (active.declareLength) headers['Content-Length'] = String(total);
        res.writeHead(200, headers);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            const n = Math.min(chunk.length, total - sent);
            sent += n;
            if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('error', () => undefined);
        res.socket?.on('error', () => undefined);
        pump();
        return true;
      }
      case 'gzip-bomb': {
        const gz = gzipBomb(active.bytes ?? 100 * 1024 * 1024);
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
          'Content-Length': String(gz.length),
        });
        res.on('error', () => undefined);
        res.end(gz);
        return true;
      }
      case 'trickle': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const text = '{"result":"success","msg":"","members":[' + ' '.repeat(1_000_000);
        let i = 0;
        const drip = (): void => {
          if (res.destroyed || i >= text.length) return;
          res.write(text[i++] ?? ' ');
          later(drip, active.intervalMs);
        };
        res.on('error', () => undefined);
        drip();
        return true;
      }
      case 'status': {
        const body = active.body ?? '';
        res.writeHead(active.status, {
          'Content-Type': active.contentType ?? 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
          ...(active.headers ?? {}),
        });
        res.end(body);
        return true;
      }
      case 'hostile': {
        const chosen = active.answer(url, req);
        return chosen === null ? false : misbehave(chosen, req, res, url);
      }
      case 'redirect': {
        const to = active.exact
          ? active.to
          : `${active.to.replace(/\/+$/, '')}${url.pathname}${url.search}`;
        res.writeHead(active.status ?? 302, { Location: to, 'Content-Length': '0' });
        res.end();
        return true;
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      at: Date.now(),
    });
    let active: FakeMode = { kind: 'normal' };
    if (
      mode.kind !== 'normal' &&
      remaining > 0 &&
      (!scope.match || scope.match(url.pathname)) &&
      (!scope.method || scope.method === req.method)
    ) {
      active = mode;
      remaining -= 1;
      if (remaining === 0) mode = { kind: 'normal' };
    }
    try {
      if (await misbehave(active, req, res, url)) return;
      await router(req, res, url);
    } catch (error) {
      if (!res.headersSent)
        sendJson(res, 500, JSON.stringify({ detail: `fake server error: ${String(error)}` }));
      else res.destroy();
    }
  }

  async function listen(): Promise<void> {
    const s = createServer((req, res) => {
      void handle(req, res);
    });
    // Long, as real servers keep it (nginx 75 s). Node's idle timer destroys
    // the socket, and "idle" includes a client that has paused reading a big
    // body: at 1 s a loaded machine's slow reader of a gzip bomb lost the
    // rest of it and saw a dropped connection (OFFLINE) instead of TOO_LARGE.
    // stop() destroys every socket, so a long timer never delays a test.
    s.keepAliveTimeout = 60_000;
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function stopListening(): Promise<void> {
    const s = server;
    server = null;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    if (!s) return;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await listen();

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    requests,
    setMode(next, nextScope = {}) {
      // Build a bomb now, not while a client's timeout runs.
      if (next.kind === 'gzip-bomb') gzipBomb(next.bytes ?? 100 * 1024 * 1024);
      mode = next;
      scope = nextScope;
      remaining = nextScope.times ?? Infinity;
    },
    async stop() {
      await stopListening();
    },
    async start() {
      if (closed) throw new Error('this fake was closed');
      if (!server) await listen();
    },
    async close() {
      closed = true;
      await stopListening();
    },
  };
}

/** Reads a Basic or Bearer Authorization header. */
export function authorizationOf(
  headers: IncomingHttpHeaders,
):
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'malformed' } {
  const value = headers.authorization;
  if (!value) return { kind: 'none' };
  const [scheme, ...rest] = value.split(' ');
  const credentials = rest.join(' ').trim();
  if (scheme?.toLowerCase() === 'bearer' && credentials)
    return { kind: 'bearer', token: credentials };
  if (scheme?.toLowerCase() === 'basic' && credentials) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'malformed' };
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { kind: 'malformed' };
}
