// Desktop-only features, bound by Wails in the window (window.go.main.App).
// In a plain browser they are absent and callers hide what needs them.

import { getBlob } from '../api/client';

interface AppBindings {
  OpenDataDir(): Promise<void>;
  DataDir(): Promise<string>;
  APIURL(): Promise<string>;
  /** Small files the page made itself (≤ 1 MiB); data travels as base64, as Wails passes []byte. */
  SaveFile(name: string, data: string): Promise<string>;
  /** Asks where to save, then Go writes the answer of GET path straight
   * into that file; "" when cancelled. */
  SaveDownload(name: string, path: string, header: Record<string, string>): Promise<string>;
  /** Asks where to save a backup of the store; "" when cancelled. */
  Backup(): Promise<string>;
}

declare global {
  interface Window {
    go?: { main?: { App?: AppBindings } };
    /** The Wails runtime, in the desktop window only. */
    runtime?: { EventsOn(name: string, cb: (...data: unknown[]) => void): () => void };
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

async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Saves a small file the page made itself (a certificate): the native
 * save dialog in the desktop app, the browser's download elsewhere.
 * Resolves false when cancelled. Files of the API go through saveDownload. */
export async function saveBlob(blob: Blob, name: string): Promise<boolean> {
  const b = bindings();
  if (b) return (await b.SaveFile(name, await base64(blob))) !== '';
  browserDownload(blob, name);
  return true;
}

/** Saves the file the API serves at path (an export, a report, an invoice).
 * In the desktop app Go writes it straight into the file the save dialog
 * chose — a 1 GB TAR never passes through the page; in a browser it is
 * fetched (with the scope headers) and handed to the browser's download.
 * Resolves false when cancelled; an error answer rejects with the server's
 * message. */
export async function saveDownload(path: string, name: string, headers: Record<string, string> = {}): Promise<boolean> {
  const b = bindings();
  if (b) return (await b.SaveDownload(name, path, headers)) !== '';
  browserDownload(await getBlob(path, headers), name);
  return true;
}

function browserDownload(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Backs up the store through the native save dialog (desktop only). */
export async function backup(): Promise<string> {
  const b = bindings();
  if (!b) throw new Error('backup needs the desktop app');
  return b.Backup();
}

/** Calls onPath when the desktop menu asks for a page (File › Export); a no-op in a browser. */
export function onMenuNavigate(onPath: (path: string) => void): () => void {
  const rt = typeof window === 'undefined' ? undefined : window.runtime;
  if (!rt) return () => {};
  return rt.EventsOn('navigate', (p) => typeof p === 'string' && onPath(p));
}
