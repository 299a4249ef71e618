// lib.mjs: shared helpers for the dashboard tests in headless Chromium.
//
// Each test is a Node script that starts a real zapm-collector on free loopback
// ports, real agents (or a Python publisher), opens the dashboard with
// playwright-core (from web/node_modules, driving the Debian chromium: nothing is
// downloaded), asserts, and stops everything it started: at the end, on a
// failed assertion, on an exception and when its own deadline passes. Every wait
// is a bounded poll.
//
// Command line (given by tests/browser/CMakeLists.txt):
//   --collector PATH --agent PATH [--demo PATH] [--python PATH] [--artifacts DIR]
//   [--deadline S] [--slow FACTOR]
// Environment: ZAPM_WEB_NODE_MODULES (web/node_modules), ZAPM_CHROMIUM (optional).

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// The collector keeps history on disk by default (zapm.db in the state
// directory): each test script gets its own, never the user's.
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zapm-state-'));
process.env.XDG_STATE_HOME = stateDir;
delete process.env.STATE_DIRECTORY;
process.on('exit', () => fs.rmSync(stateDir, { recursive: true, force: true }));

export const args = parseArgs(process.argv.slice(2));

// Waits stretch by this factor (--slow; CMake passes 2 for a sanitizer build).
export const SLOW = Math.max(1, Number(args.slow || 1));

function parseArgs (argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error('unexpected argument ' + a);
    out[a.slice(2)] = argv[i + 1];
    i++;
  }
  return out;
}

export function log (...parts) {
  const t = new Date().toISOString().slice(11, 23);
  console.log('[' + t + ']', ...parts);
}

// ---- failure and cleanup -----------------------------------------------------

const children = new Set();
const cleanups = [];
let finishing = false;

export class Failure extends Error {}

export function check (cond, ...msg) {
  if (!cond) throw new Failure(msg.join(' '));
}

const profiles = new Set();     // temporary Chromium profiles to remove

function killAllNow () {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch (e) { /* already gone */ }
  }
  for (const dir of profiles) fs.rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAllNow);

async function cleanup () {
  for (const fn of cleanups.reverse()) {
    try { await fn(); } catch (e) { log('cleanup:', e.message); }
  }
  for (const c of children) await stop(c);
}

// Runs `body` with a deadline (seconds); exits 0 on success and 1 otherwise.
export function run (name, body, deadlineS = Number(args.deadline || 60)) {
  const timer = setTimeout(async () => {
    log('FAIL', name + ': deadline of', deadlineS, 's passed');
    finishing = true;
    killAllNow();
    process.exit(1);
  }, deadlineS * 1000);
  (async () => {
    let ok = false;
    try {
      await body();
      ok = true;
    } catch (e) {
      log('FAIL', name + ':', e instanceof Failure ? e.message : (e.stack || e));
    }
    finishing = true;
    await cleanup();
    clearTimeout(timer);
    log(ok ? 'PASS ' + name : 'FAIL ' + name);
    process.exit(ok ? 0 : 1);
  })();
}

// ---- processes ----------------------------------------------------------------

export function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Starts a program; its output goes to our output with a prefix.
export function start (label, file, argv) {
  log('start', label + ':', file, argv.join(' '));
  const c = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  c.label = label;
  c.exited = new Promise((resolve) => c.on('exit', (code, sig) => {
    children.delete(c);
    if (!finishing) log(label, 'exited', code === null ? sig : code);
    resolve(code);
  }));
  c.on('error', (e) => log(label, 'error:', e.message));
  const pipe = (stream) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (process.env.ZAPM_TEST_VERBOSE || /error|warn|fatal|abort/i.test(line)) console.log('  ' + label + '| ' + line);
      }
    });
  };
  pipe(c.stdout);
  pipe(c.stderr);
  children.add(c);
  return c;
}

// SIGTERM, then SIGKILL if it is still there after `graceMs`.
export async function stop (c, graceMs = 2000) {
  if (!children.has(c)) return;
  try { c.kill('SIGTERM'); } catch (e) { return; }
  const t = setTimeout(() => { try { c.kill('SIGKILL'); } catch (e) { /* gone */ } }, graceMs);
  await c.exited;
  clearTimeout(t);
}

// Polls `fn` every `everyMs` until it returns a truthy value or `ms` passes.
export async function waitFor (what, fn, ms = 10000, everyMs = 100) {
  ms *= SLOW;
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    await sleep(everyMs);
  }
  throw new Failure('timed out after ' + ms + ' ms waiting for ' + what + (last ? ' (last: ' + JSON.stringify(last) + ')' : ''));
}

export class Collector {
  // `extra`: more arguments for the collector (a --store of the test's own).
  constructor (bin = args.collector, extra = []) {
    check(bin && fs.existsSync(bin), 'collector binary not found:', bin);
    this.bin = bin;
    this.extra = extra;
    this.proc = null;
  }

  async pickPorts () {
    this.zmqPort = await freePort();
    this.httpPort = await freePort();
    while (this.httpPort === this.zmqPort) this.httpPort = await freePort();
    this.endpoint = 'tcp://127.0.0.1:' + this.zmqPort;
    this.url = 'http://127.0.0.1:' + this.httpPort;
  }

  async start () {
    if (!this.zmqPort) await this.pickPorts();
    this.proc = start('collector', this.bin, ['--bind', this.endpoint, '--http', '127.0.0.1:' + this.httpPort, ...this.extra]);
    await waitFor('collector /healthz', async () => {
      if (!children.has(this.proc)) throw new Failure('collector exited early');
      const r = await fetch(this.url + '/healthz');
      return r.ok;
    }, 10000);
    log('collector up at', this.url, 'zmq', this.endpoint);
  }

  async stop () {
    if (this.proc) await stop(this.proc);
    this.proc = null;
  }
}

export function startAgent (endpoint, name, color, interval = 0.2, extra = []) {
  check(args.agent && fs.existsSync(args.agent), 'agent binary not found:', args.agent);
  return start('agent ' + name, args.agent,
    ['--connect', endpoint, '--name', name, '--color', color, '--interval', String(interval), ...extra]);
}

// ---- browser ------------------------------------------------------------------

function findChromium () {
  const env = process.env.ZAPM_CHROMIUM;
  if (env) return env;
  if (fs.existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch (e) {
    throw new Failure('chromium not found: set ZAPM_CHROMIUM or install chromium');
  }
}

async function playwright () {
  const dir = process.env.ZAPM_WEB_NODE_MODULES ||
    path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web/node_modules');
  const entry = path.join(dir, 'playwright-core', 'index.mjs');
  check(fs.existsSync(entry), 'playwright-core not found in', dir, '(run scripts/setup.sh: npm ci in web/)');
  return (await import(pathToFileURL(entry).href)).chromium;
}

// A fresh Chromium with its own temporary profile. Returns the context; pages
// record page errors, console errors and dialogs in page.zapm.
export async function launch (options = {}) {
  const chromium = await playwright();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'zapm-browser-'));
  profiles.add(profile);
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 900 },
    ...options
  });
  cleanups.push(async () => {
    await Promise.race([ctx.close(), sleep(5000)]);
    fs.rmSync(profile, { recursive: true, force: true });
    profiles.delete(profile);
  });
  return ctx;
}

// Opens the page at `url` + `path` (a query string there is a view: view.js).
export async function openDashboard (ctx, url, path = '/') {
  const page = await ctx.newPage();
  page.zapm = { errors: [], dialogs: [], console: [] };
  page.on('pageerror', (e) => { page.zapm.errors.push(e.message); log('pageerror:', e.message); });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      if (m.type() === 'error') page.zapm.console.push(m.text());
      log('console.' + m.type() + ':', m.text());
    }
  });
  page.on('dialog', async (d) => {
    page.zapm.dialogs.push(d.message());
    log('DIALOG opened:', d.message());
    await d.dismiss().catch(() => {});
  });
  await page.goto(url + path, { waitUntil: 'load', timeout: 15000 });
  await waitFor('window.zapm', () => page.evaluate(() => !!window.zapm), 10000);
  return page;
}

export const snapshot = (page) => page.evaluate(() => window.zapm.snapshot());

// Rows of the agents table: [{id, state, hidden}].
export const tableRows = (page) => page.evaluate(() =>
  [...document.querySelectorAll('#agents-body tr')].map((tr) => ({
    id: tr.dataset.id,
    label: tr.querySelector('.label').textContent,
    state: tr.querySelector('.badge').textContent,
    hidden: tr.hidden
  })));

export function artifacts () {
  const dir = args.artifacts || path.join(os.tmpdir(), 'zapm-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
