// The operator's view of one call: open /console/ the API serves, find the session in the
// list, open it, and report what the page shows (transcript, latency chart bars, events).
// Optionally saves screenshots at desktop and phone width.
//
// Usage: node console_check.mjs CONFIG_JSON
//   CONFIG_JSON: {url, sessionId, timeoutMs, screenshotDir?}
//
// Prints one JSON object on stdout: {ok, step, error, list, session, console, screenshots}.
// test_console.py makes the assertions; this script only waits for each view to render
// (conditions with timeouts, never fixed sleeps) and reports what it saw.
import { chromium } from 'playwright-core';

const config = JSON.parse(process.argv[2] ?? '{}');
if (!config.url || !config.sessionId) {
  console.error('usage: node console_check.mjs \'{"url": ..., "sessionId": ...}\'');
  process.exit(2);
}
const timeout = config.timeoutMs ?? 30_000;
const report = { ok: false, step: 'launch', error: null, list: null, session: null, console: [], screenshots: [] };

function readList(sessionId) {
  const row = document.querySelector(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
  const rows = document.querySelectorAll('[data-testid="session-row"]').length;
  if (!row) return { rows, found: false };
  return {
    rows,
    found: true,
    state: row.dataset.state,
    turns: row.querySelector('[data-testid="turns"]')?.textContent ?? '',
    recovered: row.querySelector('[data-testid="recovered"]')?.textContent ?? '',
    link: row.querySelector('a')?.getAttribute('href') ?? '',
  };
}

function readSession() {
  const chart = document.querySelector('[data-testid="latency-chart"]');
  return {
    sessionId: document.querySelector('[data-testid="session"]')?.dataset.sessionId ?? null,
    transcript: [...document.querySelectorAll('[data-testid="transcript-item"]')].map((li) => ({
      role: li.dataset.role,
      turn: Number(li.dataset.turn),
      time: li.querySelector('time')?.getAttribute('datetime') ?? null,
      text: li.querySelector('p')?.textContent ?? '',
    })),
    chart: chart
      ? {
          turns: Number(chart.dataset.turns),
          bars: [...chart.querySelectorAll('rect[data-stage]')].map((r) => ({
            stage: r.dataset.stage,
            width: Number(r.getAttribute('width')),
          })),
          label: chart.querySelector('desc')?.textContent ?? '',
        }
      : null,
    events: [...document.querySelectorAll('[data-testid="event-item"]')].map((li) => li.dataset.type),
  };
}

async function shoot(page, name) {
  if (!config.screenshotDir) return;
  const path = `${config.screenshotDir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => report.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => report.console.push(`pageerror: ${e}`));

  report.step = 'open the sessions list';
  await page.goto(`${config.url}/console/`, { waitUntil: 'load', timeout });
  await page.waitForFunction(() => document.body.dataset.ready && document.body.dataset.ready !== 'false', null, { timeout });
  // the turns column fills in after the list: wait for this session's cell
  await page
    .waitForFunction(
      (sid) => {
        const cell = document.querySelector(`[data-session-id="${sid}"] [data-testid="turns"]`);
        return cell !== null && cell.textContent !== '…';
      },
      config.sessionId,
      { timeout },
    )
    .catch(() => {});
  report.list = await page.evaluate(readList, config.sessionId);
  report.list.error = await page.getByTestId('error').isVisible() ? await page.getByTestId('error').innerText() : null;
  await shoot(page, 'console-list-desktop');
  if (!report.list.found) throw new Error('the session is not in the list');

  report.step = 'open the session';
  await page.locator(`[data-session-id="${config.sessionId}"] a`).click();
  await page.waitForFunction(
    () => document.body.dataset.view === 'session' && document.body.dataset.ready !== 'false',
    null,
    { timeout },
  );
  report.session = await page.evaluate(readSession);
  await shoot(page, 'console-session-desktop');

  report.step = 'phone width';
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload({ waitUntil: 'load', timeout }); // the chart is drawn for the width it gets
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout });
  await shoot(page, 'console-session-phone');
  await page.goto(`${config.url}/console/#/`, { waitUntil: 'load', timeout });
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout });
  await shoot(page, 'console-list-phone');
  report.ok = true;
} catch (error) {
  report.error = String(error?.stack ?? error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
