// Drives the built web client in headless Chromium and prints what it observed as one JSON
// object; test_web_client.py makes the assertions. Usage: node browser_check.mjs URL OUT_DIR
import { launchChromium } from '../../harness/chromium.mjs';
import path from 'node:path';

const [url, outDir] = process.argv.slice(2);
if (!url || !outDir) {
  console.error('usage: node browser_check.mjs URL OUT_DIR');
  process.exit(2);
}

const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
];

async function accessibleControls(page) {
  // Each control found by role and accessible name, the way assistive technology finds it.
  const controls = {
    talk: page.getByRole('button', { name: /^Talk/ }),
    status: page.getByRole('status'),
    transcript: page.getByRole('log', { name: 'Transcript' }),
    message: page.getByRole('textbox', { name: 'Message to the assistant' }),
    send: page.getByRole('button', { name: 'Send' }),
    file: page.getByLabel('Share a file with the assistant'),
    meter: page.getByRole('meter', { name: 'Microphone level' }),
    quality: page.getByRole('img', { name: /^Connection quality/ }),
  };
  const found = {};
  for (const [name, locator] of Object.entries(controls)) found[name] = await locator.count();
  return found;
}

async function run(browser, spec) {
  const context = await browser.newContext({
    viewport: spec.viewport,
    isMobile: spec.isMobile,
    hasTouch: spec.isMobile,
    deviceScaleFactor: 1,
  });
  // Easy Auth's session cookie: the token request must carry it.
  await context.addCookies([{ name: 'AppServiceAuthSession', value: 'test-session', url }]);
  const page = await context.newPage();
  const pageErrors = [];
  const consoleErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => typeof window.parley?.state === 'function', null, {
    timeout: 10_000,
  });

  const report = { name: spec.name };
  report.controls = await accessibleControls(page);
  report.before = {
    status: (await page.getByTestId('status').textContent())?.trim(),
    talk: (await page.getByTestId('talk').textContent())?.trim(),
    chatDisabled: await page.getByTestId('chat-input').isDisabled(),
    fileDisabled: await page.getByTestId('file-input').isDisabled(),
    errorVisible: await page.getByTestId('error').isVisible(),
  };

  // Keyboard only: the first Tab stop is Talk, and Enter presses it.
  await page.keyboard.press('Tab');
  report.firstTabStop = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  await page.keyboard.press('Enter');

  const status = page.getByTestId('status');
  await page.locator('[data-testid="status"][data-state="error"]').waitFor({ timeout: 10_000 });
  const error = page.getByTestId('error');
  await error.waitFor({ state: 'visible', timeout: 5_000 });
  report.after = {
    status: (await status.textContent())?.trim(),
    statusState: await status.getAttribute('data-state'),
    errorText: (await error.innerText()).trim(),
    errorCode: await error.getAttribute('data-code'),
    talk: (await page.getByTestId('talk').textContent())?.trim(),
    state: await page.evaluate(() => window.parley.state()),
  };
  report.overflowX = await page.evaluate(
    () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
  );
  report.screenshot = path.join(outDir, `web-${spec.name}.png`);
  await page.screenshot({ path: report.screenshot, fullPage: true });
  report.pageErrors = pageErrors;
  report.consoleErrors = consoleErrors;
  await context.close();
  return report;
}

const browser = await launchChromium(['--disable-quic']);
try {
  const reports = [];
  for (const spec of VIEWPORTS) reports.push(await run(browser, spec));
  process.stdout.write(JSON.stringify({ reports }));
} finally {
  await browser.close();
}
