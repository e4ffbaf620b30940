// The dashboard in a real browser. First the greeter quickstart with its admin server:
// sends Bob two greet requests through the page's form, and waits for Bob's page to show
// the state 2 and the deliveries. Then the runtime binary whose functions are not up yet:
// a message to Alice parks her address, her page shows it, and once the greeter's
// functions are started, the page's retry button delivers it. Screenshots go to
// target/browser/.
//
// Usage: node dashboard.test.mjs <greeter binary> <runtime binary> <screenshot dir>

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [greeterBin, runtimeBin, screenshots] = process.argv.slice(2);
if (!greeterBin || !runtimeBin || !screenshots) {
  console.error('usage: node dashboard.test.mjs <greeter binary> <runtime binary> <screenshot dir>');
  process.exit(2);
}
// Generous: the machine may be loaded.
const DEADLINE_MS = 60_000;

// Starts `bin` and resolves with the first match of `pattern` in its output.
function start(bin, args, pattern, what) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
  const found = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} printed no ${what}`)), DEADLINE_MS);
    child.on('exit', (code) => reject(new Error(`${bin} exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = line.match(pattern);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
  });
  return { child, found };
}

function startGreeter() {
  return start(greeterBin,
    ['--port', '0', '--ingress-port', '0', '--egress-port', '0', '--admin', '127.0.0.1:0'],
    /^dashboard on (http:\/\/\S+\/)/, 'dashboard address');
}

// A port nothing listens on now, for functions started later.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  mkdirSync(screenshots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'statefun-dashboard-'));
  const work = mkdtempSync(join(tmpdir(), 'statefun-dashboard-work-'));
  const greeter = startGreeter();
  const children = [greeter.child];
  let browser;
  try {
    const url = await greeter.found;
    // A fresh profile each run (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 1000 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = browser.pages()[0] || await browser.newPage();
    page.setDefaultTimeout(DEADLINE_MS);
    const failures = [];
    // The runtimes' own addresses: a request elsewhere would need the network.
    const origins = [url];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => {
      if (!origins.some((origin) => request.url().startsWith(origin))) {
        failures.push('a request left the runtime: ' + request.url());
      }
    });
    await page.goto(url);
    await page.waitForSelector('#functions');

    await page.fill('#send-address', 'example/person/Bob');
    await page.fill('#send-typename', 'example/GreetRequest');
    await page.fill('#send-body', '{"name": "Bob"}');
    for (const count of ['1', '2']) {
      await page.click('#send-button');
      await page.waitForSelector(`#send-result[data-count="${count}"]`);
    }
    // The overview shows both function types, and the graph an edge person → greeter.
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#functions tbody tr')].map((row) => row.textContent);
      return rows.some((row) => row.includes('example/person')) && rows.some((row) => row.includes('example/greeter'))
        && document.querySelectorAll('#graph .edge').length >= 1;
    });
    await page.waitForFunction(() => document.querySelectorAll('#egress tbody tr').length === 1
      && document.querySelector('#egress tbody tr').textContent.includes('Nice to see you again Bob'));
    await page.screenshot({ path: join(screenshots, 'dashboard.png'), fullPage: true });

    await page.goto(url + '#/address/example/person/Bob');
    await page.waitForFunction(() => {
      const value = document.querySelector('#address-state tr[data-state="visits"] .state-value');
      return value && value.textContent === '2';
    });
    // Two answered batches to Bob, the one asking for his state, and two from him.
    await page.waitForFunction(() => document.querySelectorAll('#address-deliveries tbody tr').length >= 5);
    await page.screenshot({ path: join(screenshots, 'address.png'), fullPage: true });

    await parkAndRetry(page, work, children, origins);
    if (failures.length > 0) throw new Error('the page failed: ' + failures.join('; '));
    console.log(`browser test passed; screenshots in ${screenshots}`);
  } finally {
    if (browser) await browser.close();
    for (const child of children) child.kill('SIGTERM');
    rmSync(profile, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

// The runtime binary, calling functions on a port where nothing listens yet: Alice's
// message parks her address after the call budget; her page shows the parking, and once
// the functions are up, its retry button delivers the message.
async function parkAndRetry(page, dir, children, origins) {
  const port = await freePort();
  const module = join(dir, 'module.yaml');
  writeFileSync(module, `kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://127.0.0.1:${port}/statefun
  transport:
    call: 2s
---
kind: io.statefun.playground.v1/egress
spec:
  port: 0
  topics: [greetings]
`);
  const runtime = start(runtimeBin,
    ['--module', module, '--admin', '127.0.0.1:0', '--parked-retry', '1h', '--parked-retry-max', '1h'],
    /dashboard and admin API on (http:\/\/\S+\/)/, 'dashboard address');
  children.push(runtime.child);
  const url = await runtime.found;
  origins.push(url);
  await page.goto(url);
  await page.waitForSelector('#functions');
  await page.fill('#send-address', 'example/person/Alice');
  await page.fill('#send-typename', 'example/GreetRequest');
  await page.fill('#send-body', '{"name": "Alice"}');
  await page.click('#send-button');
  await page.waitForSelector('#send-result[data-count="1"]');
  // Parked once the call budget ran out: listed on the overview with its error.
  await page.waitForSelector('#parked tr[data-address="example/person/Alice"]');
  const listed = await page.textContent('#parked tr[data-address="example/person/Alice"]');
  if (!listed.includes(`127.0.0.1:${port}`)) throw new Error('the parked list does not name the URL tried: ' + listed);

  await page.goto(url + '#/address/example/person/Alice');
  await page.waitForSelector('#address-parked:not([hidden]) .parked-retry');
  const error = await page.textContent('#address-parked-error');
  if (!error.includes(`127.0.0.1:${port}`)) throw new Error('the address page does not name the URL tried: ' + error);
  await page.screenshot({ path: join(screenshots, 'parked.png'), fullPage: true });

  // The fix: the functions come up where the runtime calls them.
  const functions = start(greeterBin, ['--functions-only', '--port', String(port)],
    /^greeter functions on (http:\/\/\S+)/, 'functions address');
  children.push(functions.child);
  await functions.found;
  await page.click('#address-parked .parked-retry');
  await page.waitForFunction(() => {
    const value = document.querySelector('#address-state tr[data-state="visits"] .state-value');
    return value && value.textContent === '1' && document.querySelector('#address-parked').hidden
      && document.querySelector('#address-parked-flag').textContent === 'no';
  });
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('#parked').textContent === 'none'
    && [...document.querySelectorAll('#deliveries tbody tr')].some((row) => row.textContent.includes('failed')));
  await page.screenshot({ path: join(screenshots, 'retried.png'), fullPage: true });
}

main().catch((error) => {
  console.error('browser test failed:', error);
  process.exit(1);
});
