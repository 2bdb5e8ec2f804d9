/**
 * A stand-in for Electron's `net.request` built on node:http, behaving as
 * Electron documents its ClientRequest (the Electron binary cannot run
 * here): `redirect: 'manual'` emits `redirect` (status, method, absolute
 * URL, headers as arrays) and, unless `followRedirect()` is called in that
 * event, fails with "Redirect was cancelled"; `response` gives an
 * IncomingMessage emitting data/end/error/aborted; network failures are
 * `net::ERR_*` errors. Also `netFetchLike`, which mimics Electron's
 * `net.fetch` (it rejects manual redirects), to show why the adapter exists.
 */
import { EventEmitter } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type {
  NetClientRequest,
  NetIncomingMessage,
  NetRequestOptions,
} from '@core/net/net-request';
import type { FetchLike } from '@core/deps';

/** Every request the emulation made, with the headers it was given. */
export const emulatedRequests: { options: NetRequestOptions; headers: Record<string, string> }[] =
  [];

class EmulatedIncoming extends EventEmitter {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string | string[]>;
  constructor(res: IncomingMessage) {
    super();
    this.statusCode = res.statusCode ?? 0;
    this.statusMessage = res.statusMessage ?? '';
    this.headers = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) this.headers[k] = v;
    res.on('data', (chunk: Buffer) => this.emit('data', chunk));
    res.on('end', () => this.emit('end'));
    res.on('aborted', () => this.emit('aborted'));
    res.on('error', (e) => this.emit('error', e));
  }
}

class EmulatedClientRequest extends EventEmitter {
  private readonly headers: Record<string, string> = {};
  private aborted = false;
  private req: ReturnType<typeof httpRequest> | null = null;
  private following = false;

  constructor(private readonly options: NetRequestOptions) {
    super();
  }

  setHeader(name: string, value: string): void {
    if (
      /^(content-length|host|trailer|te|upgrade|cookie2|keep-alive|transfer-encoding)$/i.test(name)
    ) {
      throw new Error(`The header ${name} is restricted`);
    }
    this.headers[name] = value;
  }

  followRedirect(): void {
    this.following = true;
  }

  abort(): void {
    this.aborted = true;
    this.req?.destroy();
  }

  end(chunk?: string): void {
    emulatedRequests.push({ options: this.options, headers: { ...this.headers } });
    const url = new URL(this.options.url);
    const req = httpRequest(url, { method: this.options.method, headers: this.headers });
    this.req = req;
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && this.options.redirect === 'manual') {
        const headers: Record<string, string[]> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) headers[k] = Array.isArray(v) ? v : [v];
        this.following = false;
        this.emit('redirect', status, this.options.method, new URL(location, url).href, headers);
        res.resume();
        if (!this.following) {
          req.destroy();
          this.emit('error', new Error('Redirect was cancelled'));
        }
        return;
      }
      this.emit('response', new EmulatedIncoming(res));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (this.aborted) return;
      const code =
        error.code === 'ECONNREFUSED'
          ? 'ERR_CONNECTION_REFUSED'
          : error.code === 'ECONNRESET'
            ? 'ERR_CONNECTION_RESET'
            : 'ERR_FAILED';
      this.emit('error', new Error(`net::${code}`));
    });
    req.end(chunk);
  }
}

/** Emulates `net.request(options)`. */
export function emulatedNetRequest(options: NetRequestOptions): NetClientRequest {
  return new EmulatedClientRequest(options) as unknown as NetClientRequest;
}

/** Mimics Electron's `net.fetch`: its ClientRequest never answers `redirect`, so manual redirects reject. */
export const netFetchLike: FetchLike = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const req = new EmulatedClientRequest({
      method: init.method ?? 'GET',
      url: input,
      redirect: 'manual',
      credentials: 'omit',
      useSessionCookies: false,
      cache: 'no-store',
    });
    new Headers(init.headers).forEach((v, k) => req.setHeader(k, v));
    req.on('response', (res: NetIncomingMessage) => {
      const chunks: Uint8Array[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode })));
    });
    req.on('error', reject);
    req.end();
  });
