import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelsFromText, parseChannel, redactChannel, REDACTED, secretFields, type Channel } from './channel.ts';
import { formatIssue } from '../validation/issues.ts';

const YAML = `
channels:
  - id: ops-hook
    kind: webhook
    settings:
      url: https://hooks.example.com/pledge
      secrets: [env:PLEDGE_HOOK_SECRET, env:PLEDGE_HOOK_SECRET_OLD]
  - id: ops-mail
    kind: email
    audience: internal
    settings:
      from: Pledge <alerts@example.com>
      to: [oncall@example.com]
      smtp:
        host: smtp.example.com
        auth: { user: pledge, pass: env:SMTP_PASSWORD }
  - id: customer-slack
    kind: slack
    audience: customer
    enabled: false
    settings: { url: env:ACME_SLACK_URL }
  - id: ops-teams
    kind: teams
    settings:
      url: enc:v1:AbCdEf12:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBB
`;

test('a YAML file of channels, with defaults (enabled, internal audience, starttls)', () => {
  const r = channelsFromText(YAML, 'channels.yaml');
  assert.ok(r.ok, r.ok ? '' : r.issues.map(formatIssue).join('\n'));
  const [hook, mail, slack, teams] = r.value;
  assert.equal(hook!.enabled, true);
  assert.equal(hook!.audience, 'internal');
  assert.ok(mail!.kind === 'email');
  assert.equal(mail!.settings.smtp.security, 'starttls');
  assert.equal(mail!.settings.smtp.port, undefined, 'the port follows security when sending');
  assert.equal(slack!.enabled, false);
  assert.equal(slack!.audience, 'customer');
  assert.equal(teams!.kind, 'teams');
  assert.deepEqual(
    r.value.flatMap((c) => secretFields(c).map((f) => `${c.id}:${f.path.join('.')}`)),
    [
      'ops-hook:settings.secrets.0',
      'ops-hook:settings.secrets.1',
      'ops-mail:settings.smtp.auth.pass',
      'customer-slack:settings.url',
      'ops-teams:settings.url',
    ],
  );
});

test('JSON works the same', () => {
  const r = channelsFromText(JSON.stringify({ channels: [{ id: 'a', kind: 'slack', settings: { url: 'env:A' } }] }), 'channels.json');
  assert.ok(r.ok);
});

test('a plain secret in a file is refused by path and line, and its value is not repeated', () => {
  const text = `channels:
  - id: ops-slack
    kind: slack
    settings:
      url: https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX
`;
  const r = channelsFromText(text, 'channels.yaml');
  assert.ok(!r.ok);
  assert.equal(r.issues.length, 1);
  const i = r.issues[0]!;
  assert.equal(i.path, 'channels[0].settings.url');
  assert.equal(i.line, 5);
  assert.match(i.message, /env:NAME.*enc:v1/);
  assert.ok(!formatIssue(i).includes('XXXXSECRETXXXX'), formatIssue(i));
});

test('the API form takes plain secrets, checked by kind, without repeating them', () => {
  const ok = parseChannel(
    { id: 'h', kind: 'webhook', settings: { url: 'https://x.example/h', secrets: [`whsec_${Buffer.alloc(32, 7).toString('base64')}`] } },
    { plainSecrets: true },
  );
  assert.ok(ok.ok);
  const short = parseChannel(
    { id: 'h', kind: 'webhook', settings: { url: 'https://x.example/h', secrets: ['whsec_c2hvcnQ='] } },
    { plainSecrets: true },
  );
  assert.ok(!short.ok);
  assert.equal(short.issues[0]!.path, 'settings.secrets[0]');
  assert.match(short.issues[0]!.message, /24 to 64 random bytes/);
  assert.ok(!JSON.stringify(short.issues).includes('c2hvcnQ'));
  const notUrl = parseChannel({ id: 's', kind: 'teams', settings: { url: 'ftp://nope' } }, { plainSecrets: true });
  assert.ok(!notUrl.ok);
  assert.equal(notUrl.issues[0]!.path, 'settings.url');
  assert.ok(!JSON.stringify(notUrl.issues).includes('ftp://nope'));
  // The same input is refused in the stored form.
  assert.ok(!parseChannel({ id: 's', kind: 'teams', settings: { url: 'https://x.example/t' } }).ok);
});

test('bad channels: every problem named by its path', () => {
  const cases: Array<[unknown, string, RegExp]> = [
    [{ id: 'x', kind: 'pager', settings: {} }, 'kind', /unknown value/],
    [{ id: 'bad id', kind: 'slack', settings: { url: 'env:A' } }, 'id', /letters, digits/],
    [{ id: 'x', kind: 'slack', settings: { url: 'env:1BAD' } }, 'settings.url', /environment variable name/],
    [{ id: 'x', kind: 'slack', settings: { url: 'enc:v2:zzz' } }, 'settings.url', /encrypted value/],
    [{ id: 'x', kind: 'slack', settings: { url: REDACTED } }, 'settings.url', /redacted placeholder/],
    [{ id: 'x', kind: 'webhook', settings: { url: 'ftp://x', secrets: ['env:A'] } }, 'settings.url', /http\(s\) URL/],
    [{ id: 'x', kind: 'webhook', settings: { url: 'https://x', secrets: [] } }, 'settings.secrets', /./],
    [{ id: 'x', kind: 'email', settings: { from: 'nope', to: ['a@b.co'], smtp: { host: 'h' } } }, 'settings.from', /e-mail address/],
    [{ id: 'x', kind: 'email', settings: { from: 'a@b.co', to: [], smtp: { host: 'h' } } }, 'settings.to', /./],
    [
      { id: 'x', kind: 'email', settings: { from: 'a@b.co', to: ['x\r\nBcc: y@z.co'], smtp: { host: 'h' } } },
      'settings.to[0]',
      /e-mail address/,
    ],
    [{ id: 'x', kind: 'email', settings: { from: 'a@b.co', to: ['c@d.co'], smtp: { host: 'h', port: 70000 } } }, 'settings.smtp.port', /./],
    [
      { id: 'x', kind: 'email', settings: { from: 'a@b.co', to: ['c@d.co'], smtp: { host: 'h', security: 'ssl' } } },
      'settings.smtp.security',
      /not an allowed value/,
    ],
    [
      {
        id: 'x',
        kind: 'email',
        settings: {
          from: 'a@b.co',
          to: ['c@d.co'],
          smtp: { host: 'smtp.example.com', security: 'none', auth: { user: 'u', pass: 'env:P' } },
        },
      },
      'settings.smtp.auth',
      /in clear/,
    ],
    [{ id: 'x', kind: 'slack', settings: { url: 'env:A', extra: 1 } }, 'settings.extra', /unknown field/],
  ];
  for (const [input, path, message] of cases) {
    const r = parseChannel(input);
    assert.ok(!r.ok, JSON.stringify(input));
    const issue = r.issues.find((i) => i.path === path);
    assert.ok(issue, `${path} in ${JSON.stringify(r.issues)}`);
    assert.match(issue.message, message, path);
  }
  // A password over plain SMTP to a relay on this host is fine.
  const local = parseChannel({
    id: 'x',
    kind: 'email',
    settings: { from: 'a@b.co', to: ['c@d.co'], smtp: { host: 'localhost', security: 'none', auth: { user: 'u', pass: 'env:P' } } },
  });
  assert.ok(local.ok);
});

test('two channels with one id in a file: refused at the second', () => {
  const r = channelsFromText(
    `channels:
  - { id: a, kind: slack, settings: { url: env:A } }
  - { id: a, kind: teams, settings: { url: env:B } }
`,
    'c.yaml',
  );
  assert.ok(!r.ok);
  assert.equal(r.issues[0]!.path, 'channels[1].id');
  assert.equal(r.issues[0]!.line, 3);
});

test('redaction: encrypted and plain secrets hidden, env references and webhook URLs without credentials shown', () => {
  const r = channelsFromText(YAML);
  assert.ok(r.ok);
  const redacted = r.value.map(redactChannel);
  const [hook, mail, slack, teams] = redacted as [Channel, Channel, Channel, Channel];
  assert.ok(hook.kind === 'webhook' && mail.kind === 'email' && slack.kind === 'slack' && teams.kind === 'teams');
  assert.deepEqual(hook.settings.secrets, ['env:PLEDGE_HOOK_SECRET', 'env:PLEDGE_HOOK_SECRET_OLD']);
  assert.equal(mail.settings.smtp.auth?.pass, 'env:SMTP_PASSWORD');
  assert.equal(slack.settings.url, 'env:ACME_SLACK_URL');
  assert.equal(teams.settings.url, REDACTED);
  assert.ok(r.value[3]!.kind === 'teams' && r.value[3]!.settings.url.startsWith('enc:'), 'the original is untouched');

  const withPlain: Channel = {
    id: 'h',
    kind: 'webhook',
    enabled: true,
    audience: 'internal',
    settings: { url: 'https://user:pa55@hooks.example.com/x?y=1', secrets: ['whsec_plainplainplainplainplainplain'] },
  };
  const shown = redactChannel(withPlain);
  assert.ok(shown.kind === 'webhook');
  assert.equal(shown.settings.url, 'https://hooks.example.com/x?y=1');
  assert.deepEqual(shown.settings.secrets, [REDACTED]);
  assert.ok(!JSON.stringify(shown).includes('pa55'));
});
