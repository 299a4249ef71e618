// browser.secure: the dashboard over HTTPS with a login (issue 10). A
// certificate made now by openssl, a users file with a yescrypt hash from
// mkpasswd, the collector with --tls-cert, --tls-key and --users, two real
// agents. Chromium with Playwright's httpCredentials (and ignoreHTTPSErrors for
// the self-made certificate) loads the page, and its EventSource (which
// cannot set headers: the browser re-sends the credentials on the same
// origin) draws live charts whose points keep growing. A context without
// credentials gets 401 and no charts.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  run, log, check, waitFor, sleep, startAgent, launch, openDashboard, snapshot, artifacts, args,
  start, freePort
} from './lib.mjs';

run('browser.secure', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zapm-secure-'));
  try {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const users = path.join(dir, 'users');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    fs.chmodSync(key, 0o600);
    const hash = execFileSync('mkpasswd', ['-m', 'yescrypt', '--stdin'], { input: 'open sesame' })
      .toString().trim();
    fs.writeFileSync(users, 'ops:' + hash + '\n', { mode: 0o600 });

    const zmqPort = await freePort();
    let httpPort = await freePort();
    while (httpPort === zmqPort) httpPort = await freePort();
    const endpoint = 'tcp://127.0.0.1:' + zmqPort;
    const url = 'https://127.0.0.1:' + httpPort;
    start('collector', args.collector, ['--bind', endpoint, '--http', '127.0.0.1:' + httpPort,
      '--tls-cert', cert, '--tls-key', key, '--users', users]);
    await waitFor('collector /healthz over TLS', () => {
      try {
        return execFileSync('curl', ['-sf', '-m', '1', '--cacert', cert, url + '/healthz']).length > 0;
      } catch (e) {
        return false;
      }
    }, 10000);
    log('collector up at', url);
    startAgent(endpoint, 'north', 'tomato', 0.2);
    startAgent(endpoint, 'south', 'royalblue', 0.2);

    // Without credentials: 401 and nothing drawn.
    const anon = await launch({ ignoreHTTPSErrors: true });
    for (const p of ['/', '/main.js', '/feed', '/api/agents']) {
      const r = await anon.request.get(url + p, { timeout: 5000 });
      check(r.status() === 401, 'without a login', p, 'answered', r.status());
    }
    // A page cannot get past the login either (Chromium gives up on the 401).
    const page0 = await anon.newPage();
    const refused = await page0.goto(url + '/', { timeout: 15000 }).then((r) => r.status(), (e) => e.message);
    check(refused === 401 || /ERR_INVALID_AUTH_CREDENTIALS/.test(String(refused)), 'page without a login:', refused);
    log('no credentials: 401 on /, /main.js, /feed, /api/agents; page:', String(refused).split('\n')[0]);

    const ctx = await launch({
      ignoreHTTPSErrors: true,
      httpCredentials: { username: 'ops', password: 'open sesame' }
    });
    const page = await openDashboard(ctx, url);
    const first = await waitFor('2 lines in both charts', async () => {
      const s = await snapshot(page);
      return s.panels.cpu.lines === 2 && s.panels.mem.lines === 2 && s.state === 'live' && s;
    }, 15000);
    await sleep(2500);
    const second = await snapshot(page);
    log('over HTTPS with a login: points cpu', first.panels.cpu.points, '->', second.panels.cpu.points);
    check(second.panels.cpu.points >= first.panels.cpu.points + 10, 'cpu points did not grow');
    check(second.panels.mem.points >= first.panels.mem.points + 10, 'mem points did not grow');
    const proto = await page.evaluate(() => location.protocol);
    check(proto === 'https:', 'page protocol', proto);
    await page.screenshot({ path: path.join(artifacts(), 'secure.png') });
    check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
    check(page.zapm.console.length === 0, 'console errors:', JSON.stringify(page.zapm.console));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
