/**
 * Parley console: sessions, one session's latency, transcript, events and uploads.
 * Plain TypeScript, no framework; hash routes so the API serves one static page.
 *
 * Test hooks (end-to-end tests rely on them):
 * - `[data-testid="session-row"]` rows with `data-session-id`, `data-state`; cells `turns`, `recovered`.
 * - `[data-testid="latency-chart"]` the SVG, `data-turns`; bars are `rect[data-stage]`.
 * - `[data-testid="transcript-item"]` with `data-role`, `[data-testid="event-item"]` with `data-type`,
 *   `[data-testid="upload-item"]` with `data-status`; `[data-testid="live-calls"]`.
 * - `document.body.dataset.view` is `sessions` or `session`, `document.body.dataset.ready` is
 *   `true` once a view has rendered, `error` when it failed.
 */
import { ApiProblem, api, storeKey, storedKey } from './api';
import { renderSession } from './session';
import { renderSessions } from './sessions';

const main = document.getElementById('main') as HTMLElement;
const errorBox = document.getElementById('error') as HTMLElement;
const liveCount = document.getElementById('live-count') as HTMLElement;
const keyForm = document.getElementById('key-form') as HTMLFormElement;
const keyInput = document.getElementById('key-input') as HTMLInputElement;

function showProblem(error: unknown): void {
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiProblem && (error.status === 401 || error.status === 403)) {
    message = `${message} Enter an integrator key above (or sign in) to see sessions.`;
  }
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function route(): Promise<void> {
  errorBox.hidden = true;
  document.body.dataset.ready = 'false';
  const match = /^#\/sessions\/(.+)$/.exec(location.hash);
  const view = match ? 'session' : 'sessions';
  document.body.dataset.view = view;
  try {
    if (match?.[1]) await renderSession(main, decodeURIComponent(match[1]));
    else await renderSessions(main);
    document.body.dataset.ready = 'true';
    // focus for screen readers, without scrolling the header out of view
    if (match) {
      main.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  } catch (error) {
    main.replaceChildren();
    showProblem(error);
    document.body.dataset.ready = 'error';
  }
}

async function refreshLiveCalls(): Promise<void> {
  try {
    liveCount.textContent = String((await api.liveCalls()).activeSessions);
  } catch {
    liveCount.textContent = 'unknown';
  }
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  storeKey(keyInput.value.trim());
  keyInput.value = '';
  keyInput.placeholder = storedKey() ? 'key set for this tab' : 'not needed on this machine';
  void refreshLiveCalls();
  void route();
});

if (storedKey()) keyInput.placeholder = 'key set for this tab';
window.addEventListener('hashchange', () => void route());
void route();
void refreshLiveCalls();
setInterval(() => void refreshLiveCalls(), 15_000);
