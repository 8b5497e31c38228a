import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { probe } from '../../../test/fixtures/tz-probe.ts';

test('results do not depend on the process time zone (TZ=Pacific/Chatham)', () => {
  const script = fileURLToPath(new URL('../../../test/fixtures/tz-probe.ts', import.meta.url));
  const run = (tz: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ReturnType<typeof probe>;
  };
  const chatham = run('Pacific/Chatham');
  const utc = run('UTC');
  // The child really ran in Chatham (UTC+13:45 in January).
  assert.equal(chatham.tzOffsetMinutes, -825);
  assert.equal(utc.tzOffsetMinutes, 0);
  assert.deepEqual(chatham.answers, utc.answers);
  assert.deepEqual(probe().answers, utc.answers);
});
