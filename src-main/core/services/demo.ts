/**
 * The demo on the first screen: two made-up directories, all offline,
 * loaded into the cache once (again only if the admin removed them).
 *
 * Node only; never imports `electron`.
 */
import type { ConnectionSummary } from '@shared/model';
import type { Emit } from '../deps';
import type { ConnectionsRepo } from '../store/connections-repo';
import type { MetaRepo } from '../store/meta-repo';
import type { UsersRepo } from '../store/users-repo';
import { DEMO_CONNECTION_IDS, loadDemoDirectory } from './demo-directory';

/** The demo channel. */
export interface DemoService {
  loadDemo(): Promise<ConnectionSummary[]>;
}

/** What the demo service is built from. */
export interface DemoDeps {
  connections: ConnectionsRepo;
  users: UsersRepo;
  meta: MetaRepo;
  now: () => number;
  emit: Emit;
  /** Tells the window the connection list changed. */
  changed: (connectionId: string | null) => void;
  /** The connection list the window shows afterwards. */
  listConnections: () => Promise<ConnectionSummary[]>;
}

/** Builds the demo service. */
export function createDemoService(deps: DemoDeps): DemoService {
  const { connections, users, meta, now, emit } = deps;
  return {
    async loadDemo() {
      const present = DEMO_CONNECTION_IDS.every((id) => connections.get(id) !== null);
      if (!present) {
        await loadDemoDirectory({ connections, users, meta, now, emit });
        deps.changed(null);
      }
      return deps.listConnections();
    },
  };
}
