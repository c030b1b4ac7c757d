// Asks the Parley API for a LiveKit token.
import { TokenError } from './errors';

export interface TokenRequest {
  participantName?: string;
  roomName?: string;
}

export interface TokenGrant {
  serverUrl: string;
  roomName: string;
  participantToken: string;
  participantName: string;
}

function field(data: Record<string, unknown>, name: string): string | null {
  const value = data[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

export async function fetchToken(request: TokenRequest, signal?: AbortSignal): Promise<TokenGrant> {
  let response: Response;
  try {
    response = await fetch('/api/token', {
      method: 'POST',
      // Easy Auth in Azure identifies the user by its session cookie.
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new TokenError(null, null, null);
  }

  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    // A proxy's HTML error page is still an error; the status code says enough.
  }
  if (!response.ok) {
    throw new TokenError(response.status, field(data, 'error'), field(data, 'message'));
  }
  const serverUrl = field(data, 'serverUrl');
  const participantToken = field(data, 'participantToken');
  if (serverUrl === null || participantToken === null) {
    throw new TokenError(response.status, 'bad_response', 'The token response was incomplete.');
  }
  return {
    serverUrl,
    participantToken,
    roomName: field(data, 'roomName') ?? '',
    participantName: field(data, 'participantName') ?? '',
  };
}
