import { onMenuNavigate, saveBlob } from '.';

describe('saveBlob', () => {
  afterEach(() => {
    delete window.go;
  });

  it('hands the bytes to the native save dialog in the desktop app, as base64', async () => {
    const calls: [string, string][] = [];
    window.go = {
      main: {
        App: {
          APIURL: async () => '', DataDir: async () => '', OpenDataDir: async () => {},
          Backup: async () => '',
          SaveFile: async (name: string, data: string) => {
            calls.push([name, data]);
            return '/home/u/' + name;
          },
        },
      },
    };
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251);
    expect(await saveBlob(new Blob([bytes]), 'a.tar')).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('a.tar');
    // Chunked conversion must give the bytes back unchanged.
    const back = Uint8Array.from(atob(calls[0][1]), (c) => c.charCodeAt(0));
    expect(back).toEqual(bytes);
  });

  it('reports a cancelled dialog', async () => {
    window.go = { main: { App: { APIURL: async () => '', DataDir: async () => '', OpenDataDir: async () => {}, SaveFile: async () => '', Backup: async () => '' } } };
    expect(await saveBlob(new Blob(['x']), 'r.pdf')).toBe(false);
  });
});

describe('onMenuNavigate', () => {
  afterEach(() => {
    delete window.runtime;
  });

  it('follows the menu\'s navigate events in the window and is a no-op in a browser', () => {
    const seen: string[] = [];
    expect(() => onMenuNavigate((p) => seen.push(p))()).not.toThrow();
    let handler: ((...d: unknown[]) => void) | undefined;
    let off = false;
    window.runtime = {
      EventsOn: (name, cb) => {
        expect(name).toBe('navigate');
        handler = cb;
        return () => (off = true);
      },
    };
    const stop = onMenuNavigate((p) => seen.push(p));
    handler!('/exports');
    handler!(42); // not a path
    stop();
    expect(seen).toEqual(['/exports']);
    expect(off).toBe(true);
  });
});
