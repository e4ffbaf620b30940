// The dashboard in a real browser: starts the greeter quickstart with its admin server,
// sends Bob two greet requests through the page's form, and waits for Bob's page to show
// the state 2 and the deliveries. Screenshots go to target/browser/.
//
// Usage: node dashboard.test.mjs <greeter binary> <screenshot dir>

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [greeterBin, screenshots] = process.argv.slice(2);
if (!greeterBin || !screenshots) {
  console.error('usage: node dashboard.test.mjs <greeter binary> <screenshot dir>');
  process.exit(2);
}
// Generous: the machine may be loaded.
const DEADLINE_MS = 60_000;

function startGreeter() {
  const child = spawn(greeterBin,
    ['--port', '0', '--ingress-port', '0', '--egress-port', '0', '--admin', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const dashboard = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the greeter printed no dashboard address')), DEADLINE_MS);
    child.on('exit', (code) => reject(new Error(`the greeter exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = line.match(/^dashboard on (http:\/\/\S+\/)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
  });
  return { child, dashboard };
}

async function main() {
  mkdirSync(screenshots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'statefun-dashboard-'));
  const greeter = startGreeter();
  let browser;
  try {
    const url = await greeter.dashboard;
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
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => {
      if (!request.url().startsWith(url)) failures.push('a request left the runtime: ' + request.url());
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

    if (failures.length > 0) throw new Error('the page failed: ' + failures.join('; '));
    console.log(`browser test passed; screenshots in ${screenshots}`);
  } finally {
    if (browser) await browser.close();
    greeter.child.kill('SIGTERM');
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error('browser test failed:', error);
  process.exit(1);
});
