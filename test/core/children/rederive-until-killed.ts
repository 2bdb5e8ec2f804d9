// Child of services/rederive.test.ts: derives again the aged rows of the
// cache in `dir` through the real re-deriver, in small slices with a pause
// between them, printing one line per committed slice ("slice <rows>"), so
// the parent can SIGKILL it part-way and check what a crash leaves behind.
import { databasePath, openDatabase } from '@core/store/db';
import { silentLogger } from '@core/log';
import { startRederiver } from '@core/services/rederive';
import { storesOver } from '../services/rederive-fixtures';

export async function main(args: { dir: string; sliceRows: number }): Promise<unknown> {
  const cache = openDatabase(databasePath(args.dir), { log: silentLogger, now: Date.now });
  const s = storesOver(cache, { betweenChunks: () => new Promise((r) => setTimeout(r, 10)) });
  const run = startRederiver({
    users: s.users,
    contexts: s.contexts,
    log: s.log,
    readOnly: false,
    slices: {
      sliceRows: args.sliceRows,
      onSlice: ({ counts }) => process.stdout.write(`slice ${counts.rederived}\n`),
    },
  });
  const report = await run.done;
  cache.close();
  return report;
}
