// One call from the web client, the way a person makes it: open the page the API serves, press
// Talk, say a sentence (Chromium's fake microphone plays a WAV file), read the assistant's reply
// in the transcript, share a text file and read the assistant's acknowledgement, press End.
//
// Usage: node browser_call.mjs CONFIG_JSON
//   CONFIG_JSON: {url, wav, file, timeoutMs}
//
// Prints one JSON object on stdout: {ok, step, error, observed, transcript, files, state,
// console, timeline}. test_browser_call.py makes the assertions; this script only waits for the
// page to reach each step (conditions with timeouts, never fixed sleeps) and reports what it saw.
import { launchChromium } from '../../harness/chromium.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
if (!config.url || !config.wav || !config.file) {
  console.error('usage: node browser_call.mjs \'{"url": ..., "wav": ..., "file": ...}\'');
  process.exit(2);
}
const timeout = config.timeoutMs ?? 60_000;
const started = Date.now();
const elapsed = () => Date.now() - started;

const report = {
  ok: false,
  step: 'launch',
  error: null,
  observed: {},
  transcript: [],
  files: [],
  state: null,
  console: [],
  timeline: [],
};

function mark(step) {
  report.step = step;
  report.timeline.push({ step, ms: elapsed() });
}

// Everything a user can see in the transcript, in page order.
function readTranscript() {
  return [...document.querySelectorAll('[data-testid="transcript-item"]')].map((li) => ({
    id: li.dataset.id ?? '',
    role: li.dataset.role ?? '',
    kind: li.dataset.kind ?? '',
    final: li.dataset.final === 'true',
    visible: !li.hidden,
    text: li.querySelector('.text')?.textContent ?? '',
  }));
}

function readFiles() {
  return [...document.querySelectorAll('[data-testid="file-status"]')].map((li) => ({
    filename: li.dataset.filename ?? '',
    status: li.dataset.status ?? '',
    words: li.querySelector('.state')?.textContent ?? '',
  }));
}

const browser = await launchChromium([
  '--autoplay-policy=no-user-gesture-required',
  // `%noloop`: play the file once, then silence (by default Chromium loops it).
  `--use-file-for-fake-audio-capture=${config.wav}%noloop`,
]);

let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('console', (message) =>
    report.console.push(`[${elapsed()} ms] ${message.type()}: ${message.text()}`),
  );
  page.on('pageerror', (error) => report.console.push(`[${elapsed()} ms] pageerror: ${error}`));

  mark('open the page');
  const response = await page.goto(config.url, { waitUntil: 'load', timeout });
  report.observed.pageUrl = page.url();
  report.observed.pageStatus = response?.status() ?? null;
  await page.waitForFunction(() => typeof window.parley?.state === 'function', null, { timeout });

  // The agent's states and when the microphone first carried speech (ms since Talk), to tell
  // a late agent or a caller talking over the greeting apart from a deaf agent.
  await page.evaluate(() => {
    const seen = { agentStates: [], speechMs: null, agentStateAtSpeech: null };
    window.__parleyCallTimes = seen;
    let t0 = null;
    let last = null;
    setInterval(() => {
      const state = window.parley.state();
      if (t0 === null) {
        if (state.connection === 'idle') return;
        t0 = performance.now();
      }
      const now = Math.round(performance.now() - t0);
      if (state.agentState !== last) {
        last = state.agentState;
        seen.agentStates.push([now, last]);
      }
      if (seen.speechMs === null && state.micLevel > 0.2) {
        seen.speechMs = now;
        seen.agentStateAtSpeech = state.agentState;
      }
    }, 50);
  });

  mark('press Talk');
  await page.getByTestId('talk').click();
  // Settled either way: a refused token or an unreachable server fails now, not at the timeout.
  await page
    .locator('[data-testid="status"]:is([data-state="connected"], [data-state="error"])')
    .waitFor({ timeout });
  const connection = await page.getByTestId('status').getAttribute('data-state');
  if (connection !== 'connected') {
    throw new Error(`the call did not connect: ${await page.getByTestId('error').innerText()}`);
  }
  report.observed.talkWhileConnected = (await page.getByTestId('talk').textContent())?.trim();

  mark('wait for the assistant to join');
  await page.waitForFunction(
    () => {
      const state = document.querySelector('[data-testid="agent-state"]')?.dataset.state;
      return state !== undefined && !['none', 'absent', 'initializing'].includes(state);
    },
    null,
    { timeout },
  );

  mark('speak and wait for my words in the transcript');
  await page
    .locator(
      '[data-testid="transcript-item"][data-role="user"][data-kind="speech"][data-final="true"]:not([hidden])',
    )
    .first()
    .waitFor({ timeout });

  mark("wait for the assistant's reply");
  // The reply is a final agent item below the first final user item (the greeting sits above).
  await page.waitForFunction(
    () => {
      const items = [...document.querySelectorAll('[data-testid="transcript-item"]')];
      const user = items.findIndex(
        (li) => li.dataset.role === 'user' && li.dataset.final === 'true' && !li.hidden,
      );
      return (
        user >= 0 &&
        items
          .slice(user + 1)
          .some((li) => li.dataset.role === 'agent' && li.dataset.final === 'true' && !li.hidden)
      );
    },
    null,
    { timeout },
  );
  report.observed.afterReply = await page.evaluate(readTranscript);

  mark('share a file');
  const filename = config.file.split('/').pop();
  await page.getByTestId('file-input').setInputFiles(config.file);
  const fileStatus = page.locator(`[data-testid="file-status"][data-filename="${filename}"]`);
  await fileStatus.waitFor({ timeout });
  await page
    .locator(`[data-testid="file-status"][data-filename="${filename}"][data-status="ready"]`)
    .waitFor({ timeout });
  report.observed.fileWords = (await fileStatus.locator('.state').textContent())?.trim();

  mark('wait for the assistant to acknowledge the file');
  await page.waitForFunction(
    (name) =>
      [...document.querySelectorAll('[data-testid="transcript-item"][data-role="agent"]')].some(
        (li) =>
          li.dataset.final === 'true' &&
          !li.hidden &&
          (li.querySelector('.text')?.textContent ?? '').includes(name),
      ),
    filename,
    { timeout },
  );

  mark('press End');
  report.transcript = await page.evaluate(readTranscript);
  report.files = await page.evaluate(readFiles);
  await page.getByTestId('talk').click();
  await page.locator('[data-testid="status"][data-state="idle"]').waitFor({ timeout });
  report.observed.statusAfterEnd = (await page.getByTestId('status').textContent())?.trim();
  report.observed.talkAfterEnd = (await page.getByTestId('talk').textContent())?.trim();
  report.observed.agentStateAfterEnd = await page
    .getByTestId('agent-state')
    .getAttribute('data-state');
  mark('done');
  report.ok = true;
} catch (error) {
  report.error = String(error?.message ?? error);
} finally {
  if (page !== null) {
    try {
      report.observed.times = await page.evaluate(() => window.__parleyCallTimes ?? null);
      if (!report.ok) {
        report.transcript = await page.evaluate(readTranscript);
        report.files = await page.evaluate(readFiles);
      }
      report.state = await page.evaluate(() => window.parley?.state() ?? null);
    } catch (error) {
      report.console.push(`(could not read the page after the run: ${error})`);
    }
  }
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
