// Desktop-only features, bound by Wails in the window (window.go.main.App).
// In a plain browser they are absent and callers hide what needs them.

interface AppBindings {
  OpenDataDir(): Promise<void>;
  DataDir(): Promise<string>;
  APIURL(): Promise<string>;
}

declare global {
  interface Window {
    go?: { main?: { App?: AppBindings } };
  }
}

function bindings(): AppBindings | undefined {
  return typeof window === 'undefined' ? undefined : window.go?.main?.App;
}

export const isDesktop = (): boolean => bindings() !== undefined;

export async function dataDir(): Promise<string | undefined> {
  return bindings()?.DataDir();
}

export async function openDataDir(): Promise<void> {
  await bindings()?.OpenDataDir();
}

/** Base URL of the API for POS systems: the window's own origin is the
 * Wails asset server, so the desktop app asks Go for the listen address. */
export async function apiBaseURL(): Promise<string> {
  const b = bindings();
  return b ? b.APIURL() : window.location.origin;
}
