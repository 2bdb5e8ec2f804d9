/**
 * The scripted "server" behind the visual gallery: answers every channel
 * from the realistic fixtures (arguments parsed by the contract's schemas,
 * as main would), with knobs for the states real servers rarely produce on
 * demand (rate limits, offline, a sync in mid-flight). Also draws the
 * avatars: small deterministic SVG faces.
 *
 * Runs in Node (the e2e harness).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileAnswer } from '@core/app-page';
import type { Dispatch } from '@core/handlers';
import { contract, isChannel, type Channel } from '@shared/contract';
import { err, ok, rollcallError, type Result } from '@shared/errors';
import {
  DEFAULT_SEARCH_SPEC,
  type AppInfo,
  type ConnectionSummary,
  type SyncSummary,
  type UserRecord,
} from '@shared/model';
import { shortHash } from '@shared/summary';
import {
  FixtureDirectory,
  connection,
  directoryAnswers,
  owuiDirectory,
  zulipDirectory,
  type AnswerTable,
} from '../renderer/fixtures';
import { ROOT } from './harness';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

/** The demo's two connections, as `demo:load` adds them. */
function demoRecords(now: number): { connections: ConnectionSummary[]; records: UserRecord[] } {
  const retag = (records: UserRecord[], connectionId: string) =>
    records.map((r) => ({ ...r, user: { ...r.user, connectionId } }));
  return {
    connections: [
      connection({
        id: 'demo-zulip',
        label: 'Demo: Zulip',
        baseUrl: 'https://zulip.demo.invalid',
        demo: true,
        lastSyncAt: null,
        reachability: { state: 'unknown', since: null, error: null },
      }),
      connection({
        id: 'demo-openwebui',
        kind: 'openwebui',
        label: 'Demo: Open WebUI',
        baseUrl: 'https://openwebui.demo.invalid',
        loginEmail: null,
        demo: true,
        lastSyncAt: null,
        reachability: { state: 'unknown', since: null, error: null },
      }),
    ],
    records: [
      ...retag(zulipDirectory(now, 220), 'demo-zulip'),
      ...retag(owuiDirectory(now, 110), 'demo-openwebui'),
    ],
  };
}

/** A promise the test settles by hand. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Answers the window from fixtures; tests reach in to change what it says. */
export class ScriptedServer {
  connections: ConnectionSummary[];
  dir: FixtureDirectory;
  /** Per-channel replacements, consulted first. */
  overrides: AnswerTable = {};
  /** The pending `directory:sync` answer, while a test holds one open. */
  sync: Deferred<Result<SyncSummary>> | null = null;
  readonly now = Date.now();

  constructor(options: { connections?: ConnectionSummary[]; records?: UserRecord[] } = {}) {
    this.connections = options.connections ?? [];
    this.dir = new FixtureDirectory(options.records ?? []);
  }

  appInfo(): AppInfo {
    return {
      name: 'Rollcall',
      version: VERSION,
      userDataDir: '/home/admin/.config/Rollcall',
      platform: 'linux',
      keychain: { state: 'available', message: null },
      database: {
        path: '/home/admin/.config/Rollcall/rollcall.sqlite',
        sizeBytes: 4_200_000,
        readOnly: false,
        notices: [],
      },
      // The same cache the header counts: About must not say 0 beside "379 cached users".
      counts: {
        connections: this.connections.length,
        users: this.dir.search({ ...DEFAULT_SEARCH_SPEC, offset: 0, limit: 1 }).total,
        avatars: 0,
      },
    };
  }

  /** Holds the next sync open until `finishSync`. */
  holdSync(): Deferred<Result<SyncSummary>> {
    this.sync = deferred();
    return this.sync;
  }

  private defaults(): AnswerTable {
    const base = directoryAnswers(this.dir, () => this.connections);
    return {
      ...base,
      'app:info': () => ok(this.appInfo()),
      'connections:test': () =>
        ok({
          ok: true,
          at: Date.now(),
          who: { userId: '8', name: 'Iago Ortiz', email: 'iago@acme.example', role: 'owner' },
          error: null,
        }),
      'connections:save': (arg) => {
        const a = contract['connections:save'].arg.parse(arg);
        const saved = connection({
          id: a.id ?? `conn-${this.connections.length + 1}`,
          kind: a.draft.kind,
          label: a.draft.label || new URL(a.draft.baseUrl).host,
          baseUrl: a.draft.baseUrl,
          loginEmail: a.draft.loginEmail ?? null,
          lastSyncAt: null,
          userCount: 0,
        });
        this.connections = [...this.connections.filter((c) => c.id !== saved.id), saved];
        return ok({ connection: saved, test: null });
      },
      'connections:remove': (arg) => {
        const a = contract['connections:remove'].arg.parse(arg);
        this.connections = this.connections.filter((c) => c.id !== a.id);
        this.dir.removeConnection(a.id);
        return ok({ removed: true });
      },
      'demo:load': () => {
        const demo = demoRecords(this.now);
        for (const r of demo.records) this.dir.put(r);
        this.connections = [...this.connections, ...demo.connections];
        return ok(this.connections);
      },
      'directory:sync': async () => {
        if (!this.sync) this.holdSync();
        const answer = await this.sync!.promise;
        this.sync = null;
        return answer;
      },
      'directory:cancel-sync': () => ok({ cancelled: true }),
      'directory:export': (arg) => {
        const a = contract['directory:export'].arg.parse(arg);
        const total = this.dir.search({ ...a.query, offset: 0, limit: 1 }).total;
        return ok({ path: `/home/admin/Documents/rollcall-export.${a.format}`, count: total });
      },
      'shell:open-external': () => ok({ opened: true }),
    };
  }

  /** The scripted answer to a channel, overrides left out: for an override that changes it. */
  plain(channel: Channel, arg: unknown): Promise<Result<unknown>> {
    const handler = this.defaults()[channel];
    return Promise.resolve(handler ? handler(arg) : err(rollcallError('NOT_IMPLEMENTED')));
  }

  /** The dispatch the harness calls instead of core's. */
  dispatch: Dispatch = async (channel, arg) => {
    if (!isChannel(channel)) return err(rollcallError('INVALID_INPUT', 'Unknown request.'));
    const parsed = contract[channel].arg.safeParse(arg);
    if (!parsed.success) {
      return err(
        rollcallError('INVALID_INPUT', parsed.error.issues[0]?.message ?? 'Bad argument.'),
      );
    }
    const override = this.overrides[channel];
    return override ? override(arg) : this.plain(channel, arg);
  };

  /** Draws a face for users with a picture; 404 for the rest (never asked for by the window). */
  serveAvatar = async (connectionId: string, userId: string): Promise<FileAnswer> => {
    const record = this.dir.get(connectionId, userId);
    if (!record || record.user.avatar.kind === 'none') {
      return {
        status: 404,
        headers: { 'Content-Type': 'text/plain' },
        body: new TextEncoder().encode('No picture'),
      };
    }
    return {
      status: 200,
      headers: { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=3600' },
      body: new TextEncoder().encode(faceSvg(`${connectionId}/${userId}`)),
    };
  };
}

const SKIN = ['#f1c7a5', '#e0a87c', '#c68642', '#8d5524', '#ffdbac', '#d4a373'];
const BACKDROP = [
  '#5b7cfa',
  '#34a0a4',
  '#f28482',
  '#84a59d',
  '#b388eb',
  '#f6bd60',
  '#90be6d',
  '#577590',
];
const HAIR = ['#2b2118', '#4a2f1b', '#7a4b2a', '#c9a227', '#1f1f1f', '#8c8c8c', '#a0522d'];

/** A small, friendly, deterministic face: stands in for uploaded photos. */
function faceSvg(seed: string): string {
  const h = parseInt(shortHash(seed), 16);
  const at = (list: string[], shift: number) => list[(h >>> shift) % list.length]!;
  const skin = at(SKIN, 0);
  const bg = at(BACKDROP, 5);
  const hair = at(HAIR, 10);
  const smile = (h >>> 15) % 3;
  const longHair = (h >>> 18) % 2 === 0;
  const glasses = (h >>> 20) % 4 === 0;
  const mouth = ['M26 44 Q32 49 38 44', 'M27 45 Q32 47 37 45', 'M26 43 Q32 51 38 43'][smile];
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<rect width="64" height="64" fill="${bg}"/>
${longHair ? `<path d="M12 64 Q10 22 32 16 Q54 22 52 64 Z" fill="${hair}"/>` : ''}
<rect x="26" y="44" width="12" height="12" fill="${skin}"/>
<path d="M8 64 Q12 52 32 52 Q52 52 56 64 Z" fill="${at(BACKDROP, 23)}" opacity="0.9"/>
<ellipse cx="32" cy="34" rx="15" ry="17" fill="${skin}"/>
<path d="M16 30 Q18 14 32 14 Q46 14 48 30 Q40 22 32 23 Q22 23 16 30 Z" fill="${hair}"/>
<circle cx="26" cy="35" r="1.8" fill="#2d2d2d"/><circle cx="38" cy="35" r="1.8" fill="#2d2d2d"/>
${glasses ? '<g fill="none" stroke="#2d2d2d" stroke-width="1.2"><circle cx="26" cy="35" r="4.2"/><circle cx="38" cy="35" r="4.2"/><path d="M30.2 35 H33.8"/></g>' : ''}
<path d="${mouth}" fill="none" stroke="#7a3b2e" stroke-width="1.6" stroke-linecap="round"/>
</svg>`;
}
