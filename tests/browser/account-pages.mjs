// SPDX-License-Identifier: GPL-3.0-or-later
//
// kithd's account web pages in Debian's Chromium (playwright-core, headless):
// what a person does on them, step by step, asserting what they see (visible
// text, labels, focus), with a screenshot of each step. README.md lists the
// steps.
//
// usage: node account-pages.mjs KITH_WEB_ENV SCREENSHOT_DIR
// (meson test runs it through run-browser-test). KITH_CHROMIUM names the
// browser (default /usr/bin/chromium). Exits 1 with the failed step's
// message, the page's address and a screenshot (NN-failed.png).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// ms: the bound of every wait for something that must come
const WAIT_MS = 20000;
// ms: the whole walk (meson's own limit is longer)
const WALK_MS = 240000;
const STRONG_PASSWORD = 'Better#2468';
const NARROW = { width: 360, height: 740 };

const [envProgram, shotDir] = process.argv.slice(2);
if (!envProgram || !shotDir) {
  console.error('usage: node account-pages.mjs KITH_WEB_ENV SCREENSHOT_DIR');
  process.exit(2);
}

class Failure extends Error {}

function check (condition, message) {
  if (!condition)
    throw new Failure(message);
}

function log (text) {
  console.log(`# ${text}`);
}

// ---- kith-web-env: kithd with two accounts, until its stdin closes ----

function startEnv () {
  const child = spawn(envProgram, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })));

  const described = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Failure(`kith-web-env gave no description within ${WAIT_MS} ms`)),
                             WAIT_MS);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', line => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch (e) {
        reject(new Failure(`kith-web-env printed no JSON: ${line}`));
      }
    });
    child.on('error', e => reject(new Failure(`kith-web-env did not start: ${e.message}`)));
    exited.then(({ code, signal }) =>
      reject(new Failure(`kith-web-env exited (${code ?? signal}) before describing kithd`)));
  });

  async function stop () {
    child.stdin.end();
    const timeout = new Promise(resolve => setTimeout(() => resolve(null), WAIT_MS));
    const result = await Promise.race([exited, timeout]);
    if (!result) {
      child.kill('SIGKILL');
      throw new Failure(`kith-web-env did not stop within ${WAIT_MS} ms of its stdin closing`);
    }
    check(result.code === 0, `kith-web-env: kithd did not exit cleanly (${result.code ?? result.signal})`);
  }

  return { described, stop, child };
}

// ---- another site: pages that post a form to kithd as soon as they load ----

function startOtherSite () {
  const pages = new Map();
  const server = createServer((request, response) => {
    const html = pages.get(new URL(request.url, 'http://x').pathname);
    response.writeHead(html ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(html ?? 'not here');
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    pages,
    close: () => new Promise(done => server.close(done)),
  })));
}

function escapeHtml (text) {
  return String(text).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

function forgedForm (action, fields) {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!DOCTYPE html><html><body><h1>You won a prize</h1>` +
         `<form method="post" action="${escapeHtml(action)}">${inputs}</form>` +
         `<script>document.forms[0].submit()</script></body></html>`;
}

// ---- the mail ----

function outboxFiles (outbox) {
  try {
    return readdirSync(outbox).sort();
  } catch (e) {
    return [];
  }
}

// The link after @marker in the first mail of the outbox that is not in
// @before (waiting for it).
async function linkInNewMail (outbox, before, marker) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const fresh = outboxFiles(outbox).filter(name => !before.includes(name));
    if (fresh.length > 0) {
      const text = readFileSync(join(outbox, fresh[0]), 'utf8');
      const at = text.indexOf(marker);
      check(at >= 0, `the mail ${fresh[0]} has no "${marker}":\n${text}`);
      const link = text.slice(at + marker.length).trim().split(/\s/)[0].replace(/\.+$/, '');
      return link;
    }
    check(Date.now() < deadline, `no mail came to ${outbox} within ${WAIT_MS} ms`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

// ---- what a person sees ----

let shotNumber = 0;

async function screenshot (page, name) {
  shotNumber++;
  const file = join(shotDir, `${String(shotNumber).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: WAIT_MS });
  return file;
}

// Waits until @text is visible on @page.
async function sees (page, text) {
  try {
    await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: WAIT_MS });
  } catch (e) {
    const body = await page.locator('body').innerText({ timeout: WAIT_MS }).catch(() => '(no body)');
    throw new Failure(`"${text}" is not visible on ${page.url()}; the page says:\n${body}`);
  }
}

async function doesNotSee (page, text) {
  const body = await page.locator('body').innerText({ timeout: WAIT_MS });
  check(!body.includes(text), `"${text}" is on ${page.url()} but must not be:\n${body}`);
}

async function heading (page) {
  return (await page.locator('h1').innerText({ timeout: WAIT_MS })).trim();
}

async function expectHeading (page, expected) {
  const h1 = await heading(page);
  check(h1 === expected, `the page ${page.url()} is headed "${h1}", not "${expected}"`);
}

function expectPath (page, base, path) {
  check(page.url() === base + path, `the browser is at ${page.url()}, not ${base}${path}`);
}

// Clicks @locator and waits for the page it loads; that page's response.
async function clickAndLoad (page, locator) {
  const [response] = await Promise.all([
    page.waitForNavigation({ timeout: WAIT_MS }),
    locator.click({ timeout: WAIT_MS }),
  ]);
  return response;
}

async function pressAndLoad (page, key) {
  const [response] = await Promise.all([
    page.waitForNavigation({ timeout: WAIT_MS }),
    page.keyboard.press(key),
  ]);
  return response;
}

async function goto (page, url) {
  return page.goto(url, { timeout: WAIT_MS, waitUntil: 'load' });
}

// Every field of the page a person can fill has an accessible name
// (Chromium's accessibility tree), and those named in @expected have that
// one. The form's hidden fields are not in the tree.
async function expectLabelled (page, expected = {}) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const roles = new Set(['textbox', 'searchbox', 'checkbox', 'radio', 'combobox', 'spinbutton', 'switch']);
    const fields = nodes.filter(n => !n.ignored && roles.has(n.role?.value));
    const nInputs = await page.locator('input:not([type=hidden]), select, textarea').count();
    check(fields.length === nInputs,
          `${page.url()}: ${nInputs} fields in the page, ${fields.length} in the accessibility tree`);
    check(nInputs > 0, `${page.url()}: no field to check`);
    for (const field of fields) {
      const name = (field.name?.value ?? '').trim();
      check(name !== '', `${page.url()}: a ${field.role.value} has no accessible name (no label)`);
    }
    for (const [id, name] of Object.entries(expected)) {
      const { node } = await cdp.send('DOM.describeNode', {
        objectId: (await cdp.send('Runtime.evaluate', { expression: `document.getElementById(${JSON.stringify(id)})` }))
          .result.objectId,
      });
      const field = fields.find(f => f.backendDOMNodeId === node.backendNodeId);
      check(field, `${page.url()}: #${id} is not in the accessibility tree`);
      check(field.name.value === name, `${page.url()}: #${id} is labelled "${field.name.value}", not "${name}"`);
    }
  } finally {
    await cdp.detach();
  }
}

async function focusedId (page) {
  return page.evaluate(() => document.activeElement?.id ?? '');
}

// Presses Tab until #@id has the focus (at most @max times); the ids it
// passed on the way.
async function tabTo (page, id, max = 8) {
  const passed = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focusedId(page);
    if (now === id)
      return passed;
    passed.push(now || '(no id)');
  }
  throw new Failure(`${page.url()}: ${max} presses of Tab never reached #${id} (passed ${passed.join(', ')})`);
}

async function expectNoHorizontalScroll (page, width) {
  const scrollWidth = await page.evaluate(() => document.scrollingElement.scrollWidth);
  check(scrollWidth <= width,
        `${page.url()} scrolls sideways at ${width} px wide: its content is ${scrollWidth} px wide`);
}

async function logIn (page, base, email, password) {
  await goto(page, `${base}/account/login`);
  await page.getByLabel('Kith ID (email address)').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  return clickAndLoad(page, page.getByRole('button', { name: 'Log in' }));
}

// ---- the walk ----

async function walk (env, browser, other, current) {
  const { base, outbox, email, password, other_email: otherEmail } = env;
  const consoleErrors = [];
  const newPage = async (options = {}) => {
    const context = await browser.newContext({ locale: 'en-US', ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    // The pages' own errors: a stylesheet the CSP blocked, say. A page
    // answered with an error status (a refused form) is not one.
    page.on('console', message => {
      const own = message.location().url === page.url() &&
                  message.text().startsWith('Failed to load resource: the server responded with a status of 4');
      if (message.type() === 'error' && page.url().startsWith(base) && !own)
        consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    return page;
  };
  const step = async (name, page, body) => {
    log(`step: ${name}`);
    current.page = page;
    current.step = name;
    await body();
    check(consoleErrors.length === 0, `the browser's console has errors:\n${consoleErrors.join('\n')}`);
  };

  const page = await newPage();

  // a. The landing page.
  await step('landing', page, async () => {
    const response = await goto(page, `${base}/`);
    check(response.status() === 200, `/ answered ${response.status()}`);
    await expectHeading(page, 'Welcome to Kith');
    await sees(page, base);
    const login = page.getByRole('link', { name: 'Log in' });
    check(await login.getAttribute('href') === '/account/login', 'the landing page\'s "Log in" does not go to /account/login');
    const app = page.getByRole('link', { name: 'Get the Kith app' });
    await app.waitFor({ state: 'visible' });
    check((await app.getAttribute('href')).startsWith('https://'), '"Get the Kith app" does not link to a site');
    await page.getByRole('link', { name: 'Forgot password?' }).waitFor({ state: 'visible' });
    // The stylesheet came through the CSP.
    const styled = await page.evaluate(() => document.styleSheets.length === 1 &&
                                             document.styleSheets[0].cssRules.length > 10);
    check(styled, 'the landing page has no stylesheet (blocked?)');
    await screenshot(page, 'landing');
    await clickAndLoad(page, login);
    expectPath(page, base, '/account/login');
    await expectHeading(page, 'Log in to Kith');
    await screenshot(page, 'login');
  });

  // b. Forgot password, through the mail's link.
  await step('forgot password', page, async () => {
    await clickAndLoad(page, page.getByRole('link', { name: 'Forgot password?' }));
    expectPath(page, base, '/account/password-reset');
    await expectHeading(page, 'Reset your password');
    await expectLabelled(page, { email: 'Kith ID (email address)' });
    await screenshot(page, 'reset-request');
    const before = outboxFiles(outbox);
    await page.getByLabel('Kith ID (email address)').fill(email);
    await clickAndLoad(page, page.getByRole('button', { name: 'Request Password Reset' }));
    await expectHeading(page, 'Check your mail');
    await sees(page, `If there is a Kith account with the address ${email}`);
    await screenshot(page, 'reset-requested');

    const link = await linkInNewMail(outbox, before, 'open this link:');
    check(link.startsWith(`${base}/account/password-reset?token=`), `the mail's link is ${link}`);
    await goto(page, link);
    // The link's page moves on by itself, without the token.
    await page.waitForURL(`${base}/account/password-reset`, { timeout: WAIT_MS });
    check(!page.url().includes('token'), `the token is still in the address: ${page.url()}`);
    await expectHeading(page, 'Choose a new password');
    const cookies = await page.evaluate(() => document.cookie);
    check(cookies === '', `a page script can read cookies: ${cookies}`);
    await sees(page, 'Password requirements');
    const rules = page.locator('#password-rules li');
    check(await rules.count() === 5, `the checklist has ${await rules.count()} rules, not 5`);
    for (const id of ['rule-length', 'rule-upper', 'rule-lower', 'rule-digit', 'rule-symbol'])
      await page.locator(`#${id}`).waitFor({ state: 'visible' });
    await sees(page, 'At least 8 characters');
    await expectLabelled(page, { 'password': 'New Password', 'password-repeat': 'Confirm New Password' });
    await screenshot(page, 'reset-choose');

    // Weak: refused, the checklist says what is missing.
    await page.getByLabel('New Password', { exact: true }).fill('weakpass');
    await page.getByLabel('Confirm New Password').fill('weakpass');
    const weak = await clickAndLoad(page, page.getByRole('button', { name: 'Reset Password' }));
    check(weak.status() === 400, `a weak password got ${weak.status()}`);
    await sees(page, 'The password is too weak.');
    check(await page.locator('#rule-digit').getAttribute('class') === 'missing', '#rule-digit is not marked missing');
    check(await page.locator('#rule-lower').getAttribute('class') === 'met', '#rule-lower is not marked met');
    check(await page.getByLabel('New Password', { exact: true }).inputValue() === '',
          'the refused password was written back into the page');
    await screenshot(page, 'reset-weak');

    await page.getByLabel('New Password', { exact: true }).fill(STRONG_PASSWORD);
    await page.getByLabel('Confirm New Password').fill(STRONG_PASSWORD);
    await clickAndLoad(page, page.getByRole('button', { name: 'Reset Password' }));
    await expectHeading(page, 'Password changed');
    await sees(page, 'You were logged out everywhere');
    await screenshot(page, 'reset-done');

    // The old password no longer works.
    const old = await logIn(page, base, email, password);
    check(old.status() === 401, `the old password got ${old.status()}`);
    expectPath(page, base, '/account/login');
    await sees(page, 'Wrong email or password.');
    await screenshot(page, 'old-password-refused');
  });

  // c. The profile.
  await step('profile', page, async () => {
    await logIn(page, base, email, STRONG_PASSWORD);
    expectPath(page, base, '/account/profile');
    await expectHeading(page, 'Account Profile');
    await sees(page, 'Signed in as Grace Hopper');
    const emailField = page.getByLabel('Kith ID (email address)');
    check(await emailField.inputValue() === email, 'the profile does not show the account\'s email');
    check(!(await emailField.isEditable()), 'the email can be edited');
    await sees(page, 'The email address of an account cannot be changed.');
    await screenshot(page, 'profile');

    await page.getByLabel('First Name').fill('Amazing');
    await page.getByLabel('Last Name').fill('Grace');
    const toggle = page.getByLabel('Offline Notification (Email)');
    check(await toggle.isChecked(), 'offline email notification is off for a new account');
    await toggle.uncheck();
    await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
    expectPath(page, base, '/account/profile?notice=saved');
    await sees(page, 'Your profile is saved.');
    await screenshot(page, 'profile-saved');

    await page.reload({ timeout: WAIT_MS });
    check(await page.getByLabel('First Name').inputValue() === 'Amazing', 'the first name was not kept');
    check(await page.getByLabel('Last Name').inputValue() === 'Grace', 'the last name was not kept');
    check(!(await page.getByLabel('Offline Notification (Email)').isChecked()), 'the notification stayed on');
    await sees(page, 'Signed in as Amazing Grace');
    await page.getByLabel('Offline Notification (Email)').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Save' }));
    await page.goto(`${base}/account/profile`);
    check(await page.getByLabel('Offline Notification (Email)').isChecked(), 'the notification did not go on again');
    await expectLabelled(page, {
      'email': 'Kith ID (email address)',
      'first-name': 'First Name',
      'last-name': 'Last Name',
      'offline-email-notification': 'Offline Notification (Email)',
      'current-password': 'Current Password',
      'new-password': 'New Password',
      'new-password-repeat': 'Confirm New Password',
    });

    await clickAndLoad(page, page.getByRole('button', { name: 'Log out' }));
    expectPath(page, base, '/account/login?notice=signed-out');
    await sees(page, 'You are logged out.');
    await screenshot(page, 'logged-out');
    await goto(page, `${base}/account/profile`);
    expectPath(page, base, '/account/login');
  });

  // d. The keyboard alone: Tab to the fields, Enter to send.
  const keyboard = await newPage();
  await step('keyboard', keyboard, async () => {
    await goto(keyboard, `${base}/account/login`);
    await expectLabelled(keyboard, { email: 'Kith ID (email address)', password: 'Password' });
    const before = await tabTo(keyboard, 'email');
    check(before.length <= 1, `Tab passes ${before.join(', ')} before the email field`);
    await keyboard.keyboard.type(email);
    await keyboard.keyboard.press('Tab');
    check(await focusedId(keyboard) === 'password', `Tab after the email goes to #${await focusedId(keyboard)}`);
    await keyboard.keyboard.type(STRONG_PASSWORD);
    await screenshot(keyboard, 'keyboard-login');
    await pressAndLoad(keyboard, 'Enter');
    expectPath(keyboard, base, '/account/profile');
    await sees(keyboard, 'Signed in as Amazing Grace');
    // On the profile, Tab reaches the first name and Save.
    await tabTo(keyboard, 'first-name', 12);
    await tabTo(keyboard, 'save-profile', 6);
    await screenshot(keyboard, 'keyboard-profile');
  });

  // e. A phone's width: nothing scrolls sideways.
  const narrow = await newPage({ viewport: NARROW });
  await step('360 px wide', narrow, async () => {
    await goto(narrow, `${base}/`);
    await expectNoHorizontalScroll(narrow, NARROW.width);
    await goto(narrow, `${base}/account/login`);
    await expectNoHorizontalScroll(narrow, NARROW.width);
    await screenshot(narrow, 'narrow-login');
    await logIn(narrow, base, email, STRONG_PASSWORD);
    expectPath(narrow, base, '/account/profile');
    await expectNoHorizontalScroll(narrow, NARROW.width);
    await screenshot(narrow, 'narrow-profile');
    await goto(narrow, `${base}/account/delete`);
    await expectNoHorizontalScroll(narrow, NARROW.width);
    await screenshot(narrow, 'narrow-delete');
  });

  // f. Another site's page posts a form to kithd from this signed-in
  // browser, even with the page's own CSRF token (as if it had leaked):
  // refused, nothing changes, the session goes on.
  await step('forged posts', keyboard, async () => {
    await goto(keyboard, `${base}/account/profile`);
    const csrf = await keyboard.locator('#profile-form input[name=csrf]').inputValue();
    const profile = forgedForm(`${base}/account/profile`,
                               { csrf, first_name: 'Hacked', last_name: 'Hacked', offline_email_notification: 'on' });
    const deletion = forgedForm(`${base}/account/delete`, { csrf, confirm_email: email });
    other.pages.set('/profile', profile);
    other.pages.set('/delete', deletion);
    const origins = [
      // cross-site: no SameSite=Strict cookie goes along
      ['localhost', `http://localhost:${other.port}`],
      // same site (the host), another origin (the port): the cookies go along
      ['same-site', `http://127.0.0.1:${other.port}`],
    ];
    const sites = [...origins.map(([name, origin]) => [name, `${origin}/profile`, `${origin}/delete`]),
                   ['data-url', `data:text/html,${encodeURIComponent(profile)}`,
                    `data:text/html,${encodeURIComponent(deletion)}`]];
    for (const [name, profileUrl, deleteUrl] of sites) {
      for (const [what, url, path] of [['profile', profileUrl, '/account/profile'], ['delete', deleteUrl, '/account/delete']]) {
        const answered = keyboard.waitForResponse(r => r.url() === base + path && r.request().method() === 'POST',
                                                  { timeout: WAIT_MS });
        await keyboard.goto(url, { timeout: WAIT_MS, waitUntil: 'commit' });
        const response = await answered;
        await keyboard.waitForURL(base + path, { timeout: WAIT_MS });
        await keyboard.waitForLoadState('load', { timeout: WAIT_MS });
        check(response.status() === 403, `a forged ${what} post from ${name} got ${response.status()}`);
        await sees(keyboard, 'The form was refused');
        await screenshot(keyboard, `forged-${what}-${name}`);
      }
      await goto(keyboard, `${base}/account/profile`);
      expectPath(keyboard, base, '/account/profile');
      await sees(keyboard, 'Signed in as Amazing Grace');
      check(await keyboard.getByLabel('First Name').inputValue() === 'Amazing',
            `the forged post from ${name} changed the first name`);
    }
  });

  // g. German, from the browser's language.
  const german = await newPage({ locale: 'de-DE' });
  await step('German', german, async () => {
    const response = await goto(german, `${base}/account/login`);
    check(response.headers()['content-language'] === 'de', 'the login page is not in German');
    check(await german.locator('html').getAttribute('lang') === 'de', 'the page\'s lang is not de');
    await expectHeading(german, 'Bei Kith anmelden');
    await german.getByLabel('Kith-ID (E-Mail-Adresse)').waitFor({ state: 'visible' });
    await german.getByLabel('Passwort', { exact: true }).waitFor({ state: 'visible' });
    await doesNotSee(german, 'Log in to Kith');
    await screenshot(german, 'german-login');
  });

  // g2. Sign in with Google: the login page's button, through the fake
  // provider (env.provider, on "localhost": another site than kithd's
  // 127.0.0.1, as Google's is) and its consent page, as Ada Lovelace.
  const google = await newPage();
  await step('sign in with Google', google, async () => {
    const seen = [];
    google.on('request', async request => {
      if (!request.isNavigationRequest())
        return;
      const headers = await request.allHeaders();
      seen.push({ url: request.url(), cookie: headers.cookie || '' });
    });
    await goto(google, `${base}/account/login`);
    const button = google.getByRole('link', { name: 'Sign in with Google' });
    await button.waitFor({ state: 'visible' });
    await screenshot(google, 'google-button');
    await button.focus();
    await google.keyboard.press('Enter');
    // The provider's consent page: Continue, as a person clicks it.
    await google.waitForURL(`${env.provider}/authorize?**`, { timeout: WAIT_MS });
    await sees(google, 'Sign in to Kith as ada@example.com?');
    await screenshot(google, 'google-consent');
    await google.getByRole('link', { name: 'Continue' }).click();
    await google.waitForURL(`${base}/account/profile`, { timeout: WAIT_MS });
    await google.waitForLoadState('load', { timeout: WAIT_MS });
    await expectHeading(google, 'Account Profile');
    check(await google.getByLabel('Kith ID (email address)').inputValue() === 'ada@example.com',
          'signed in as someone other than ada@example.com');
    check(await google.getByLabel('First Name').inputValue() === 'Ada', 'the new account is not named Ada');
    check(await google.getByLabel('Last Name').inputValue() === 'Lovelace', 'the new account is not Lovelace');
    await screenshot(google, 'google-signed-in');

    // The way it went: through the provider, and back to a page that moved
    // on by itself because the redirects from the provider's site came
    // without kithd's SameSite=Strict cookies, which its refresh had.
    const at = prefix => seen.find(entry => entry.url.startsWith(prefix));
    check(at(`${env.provider}/authorize`), `the browser never reached the provider: ${JSON.stringify(seen)}`);
    const done = at(`${base}/account/oidc-done`);
    const finish = at(`${base}/account/oidc-finish`);
    check(done && finish, `the sign-in did not go by oidc-done and oidc-finish: ${JSON.stringify(seen)}`);
    check(!done.cookie.includes('kith_oidc='), 'the redirect from the provider came with the flow\'s cookie');
    check(finish.cookie.includes('kith_oidc='), 'the page\'s refresh came without the flow\'s cookie');
    const cookies = await google.context().cookies(base);
    check(!cookies.some(cookie => cookie.name === 'kith_oidc'), 'the flow\'s cookie outlived the sign-in');
    check(cookies.some(cookie => cookie.name === 'kith_session' && cookie.httpOnly && cookie.sameSite === 'Strict'),
          'no HttpOnly, SameSite=Strict session cookie after signing in with Google');
  });

  // h. Deleting the account.
  await step('delete account', keyboard, async () => {
    await goto(keyboard, `${base}/account/profile`);
    await clickAndLoad(keyboard, keyboard.getByRole('link', { name: 'DELETE MY ACCOUNT' }));
    expectPath(keyboard, base, '/account/delete');
    await expectHeading(keyboard, 'Delete My Account');
    await sees(keyboard, 'cannot be undone');
    await sees(keyboard, 'To confirm deletion, please type your email.');
    await expectLabelled(keyboard, { 'confirm-email': 'Kith ID (email address)' });
    await screenshot(keyboard, 'delete-confirm');

    await keyboard.getByLabel('Kith ID (email address)').fill(otherEmail);
    const wrong = await clickAndLoad(keyboard, keyboard.getByRole('button', { name: 'DELETE MY ACCOUNT' }));
    check(wrong.status() === 400, `the wrong email got ${wrong.status()}`);
    await sees(keyboard, 'The email address you typed does not match your account.');
    await screenshot(keyboard, 'delete-wrong-email');
    await goto(keyboard, `${base}/account/profile`);
    await sees(keyboard, 'Signed in as Amazing Grace');

    await goto(keyboard, `${base}/account/delete`);
    await keyboard.getByLabel('Kith ID (email address)').fill(email);
    await clickAndLoad(keyboard, keyboard.getByRole('button', { name: 'DELETE MY ACCOUNT' }));
    await sees(keyboard, 'Your account has been deleted. Thank you for using our service!');
    await screenshot(keyboard, 'deleted');
    await clickAndLoad(keyboard, keyboard.getByRole('link', { name: 'Go to the login page' }));
    expectPath(keyboard, base, '/account/login');

    const again = await logIn(keyboard, base, email, STRONG_PASSWORD);
    check(again.status() === 401, `a log-in to the deleted account got ${again.status()}`);
    await sees(keyboard, 'Wrong email or password.');
    await screenshot(keyboard, 'deleted-login-refused');
    // The browser that was signed in at 360 px is signed out too.
    await goto(narrow, `${base}/account/profile`);
    check(narrow.url().startsWith(`${base}/account/login`), `the other browser is still at ${narrow.url()}`);
  });
}

async function main () {
  rmSync(shotDir, { recursive: true, force: true });
  mkdirSync(shotDir, { recursive: true });

  const env = startEnv();
  let browser = null;
  let other = null;
  const current = {};
  let failed = false;
  const watchdog = setTimeout(() => {
    console.error(`FAIL: the walk took more than ${WALK_MS} ms (step: ${current.step ?? 'start'})`);
    env.child.kill('SIGTERM');
    process.exit(1);
  }, WALK_MS);

  try {
    const described = await env.described;
    log(`kithd at ${described.base}, mail in ${described.outbox}`);
    other = await startOtherSite();
    browser = await chromium.launch({
      executablePath: process.env.KITH_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
      headless: true,
      timeout: WAIT_MS * 3,
    });
    log(`Chromium ${browser.version()}`);
    await walk(described, browser, other, current);
  } catch (e) {
    failed = true;
    console.error(`FAIL${current.step ? ` in "${current.step}"` : ''}: ${e instanceof Failure ? e.message : e.stack}`);
  } finally {
    if (failed && current.page) {
      const file = await screenshot(current.page, 'failed').catch(() => null);
      if (file)
        console.error(`the page at the failure: ${file} (${current.page.url()})`);
    }
    await browser?.close().catch(() => {});
    await other?.close();
    try {
      await env.stop();
    } catch (e) {
      failed = true;
      console.error(`FAIL: ${e.message}`);
    }
    clearTimeout(watchdog);
  }
  if (failed)
    process.exit(1);
  log(`every step passed; screenshots in ${shotDir}`);
}

await main();
