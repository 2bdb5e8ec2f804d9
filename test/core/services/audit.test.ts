// The audit log of actions (issue 15): one row per user per run, written as
// each finishes, read newest first through zod with every text capped,
// append-only in the file itself (UPDATE and DELETE raise), and exported
// with the directory export's guards (formula-safe CSV, the save dialog).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEXT_CAPS } from '@shared/text-caps';
import { applyToServer, openActionsWorld, zulipOwner, type ActionsWorld } from './actions-fixtures';
import { deferred, eventually } from './service-fixtures';

let w: ActionsWorld;
afterEach(() => w?.close());

async function runDeactivate(userIds: string[]): Promise<string> {
  const plan = await w.service.plan({
    connectionId: w.connectionId,
    action: { kind: 'deactivate' },
    target: { kind: 'users', userIds },
  });
  return (await w.service.run({ planId: plan.planId })).runId;
}

describe('the audit log', () => {
  it('keeps one row per user per run, newest first, with before, after and outcome', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [
      { userId: '2', name: 'Ann Lee' },
      { userId: '3', name: 'Bo Chen' },
    ]);
    const first = await runDeactivate(['2']);
    const second = await runDeactivate(['3']);
    const page = await w.service.listAudit({ offset: 0, limit: 10 });
    expect(page.total).toBe(2);
    expect(page.entries.map((e) => [e.runId, e.userId])).toEqual([
      [second, '3'],
      [first, '2'],
    ]);
    expect(page.entries[1]).toMatchObject({
      connectionId: w.connectionId,
      connectionLabel: w.connectionLabel,
      action: { kind: 'deactivate' },
      actionLabel: 'Deactivate',
      targetDescription: '1 selected user',
      userName: 'Ann Lee',
      before: { role: 'member', state: 'active' },
      after: { role: 'member', state: 'deactivated' },
      outcome: 'applied',
      message: null,
    });
    const other = await w.service.listAudit({ connectionId: 'nobody', offset: 0, limit: 10 });
    expect(other).toEqual({ total: 0, entries: [] });
    const paged = await w.service.listAudit({ offset: 1, limit: 1 });
    expect(paged.entries.map((e) => e.userId)).toEqual(['2']);
  });

  it('writes each row as its user finishes, before the run ends', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }, { userId: '3' }]);
    const gate = deferred();
    w.onApply.hook = async (current, action) => {
      if (current.user.userId === '3') await gate.promise;
      applyToServer(w.server, current.user.userId, action);
    };
    const running = runDeactivate(['2', '3']);
    // User 2 is recorded while user 3 is still under way.
    await eventually(() => w.audit.list({ offset: 0, limit: 10 }).total === 1, 'the first row');
    expect(w.audit.list({ offset: 0, limit: 10 }).entries[0]?.userId).toBe('2');
    gate.resolve();
    await running;
    expect(w.audit.list({ offset: 0, limit: 10 }).total).toBe(2);
  });

  it('cannot be changed or deleted, even with SQL', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    await runDeactivate(['2']);
    const db = w.world.cache.db;
    expect(() => db.exec("UPDATE audit_log SET outcome = 'failed'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit_log')).toThrow(/append-only/);
    expect(w.audit.list({ offset: 0, limit: 10 }).entries[0]?.outcome).toBe('applied');
  });

  it('caps every text, and leaves out a row it cannot read', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), []);
    const long = 'x'.repeat(100_000);
    w.audit.append({
      runId: 'r1',
      at: 1,
      connectionId: w.connectionId,
      connectionLabel: long,
      action: { kind: 'deactivate' },
      actionLabel: 'Deactivate',
      targetDescription: long,
      userId: '2',
      userName: long,
      before: { role: 'member', state: 'active' },
      after: null,
      outcome: 'failed',
      message: long,
    });
    w.world.cache.db.exec(`INSERT INTO audit_log (run_id, at, connection_id, connection_label,
      action_json, action_label, target_description, user_id, user_name, before_role,
      before_state, after_role, after_state, outcome, message)
      VALUES ('r2', 2, 'c', 'l', '{"kind":"explode"}', 'a', 't', 'u', 'n', 'member', 'active',
        NULL, NULL, 'applied', NULL)`);
    const page = w.audit.list({ offset: 0, limit: 10 });
    expect(page.total).toBe(2);
    expect(page.entries).toHaveLength(1);
    const e = page.entries[0];
    expect(e?.userName.length).toBe(TEXT_CAPS.name);
    expect(e?.connectionLabel.length).toBe(TEXT_CAPS.label);
    expect(e?.targetDescription.length).toBe(TEXT_CAPS.hint);
    expect(e?.message?.length).toBe(TEXT_CAPS.status);
    const stored = w.world.cache.db
      .prepare('SELECT length(user_name) AS n FROM audit_log WHERE run_id = ?')
      .get('r1') as { n: number };
    expect(stored.n).toBe(TEXT_CAPS.name);
  });

  it('exports as formula-safe CSV and as JSON, through the save dialog', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [
      { userId: '2', name: '=HYPERLINK("http://evil.example","x")' },
    ]);
    await runDeactivate(['2']);
    w.savePath.value = null;
    expect(await w.service.exportAudit({ format: 'csv' })).toEqual({ path: null, count: 0 });
    const csvPath = join(w.world.cache.dir, 'out', 'audit.csv');
    w.savePath.value = csvPath;
    expect(await w.service.exportAudit({ format: 'csv' })).toEqual({ path: csvPath, count: 1 });
    const csv = readFileSync(csvPath, 'utf8');
    expect(csv.startsWith('\ufeffWhen,Connection,')).toBe(true);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(existsSync(`${csvPath}.rollcall-partial`)).toBe(false);
    const jsonPath = join(w.world.cache.dir, 'out', 'audit.json');
    w.savePath.value = jsonPath;
    await w.service.exportAudit({ format: 'json', connectionId: w.connectionId });
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
      count: number;
      entries: { userId: string; outcome: string }[];
    };
    expect(json.count).toBe(1);
    expect(json.entries[0]).toMatchObject({ userId: '2', outcome: 'applied' });
  });
});
