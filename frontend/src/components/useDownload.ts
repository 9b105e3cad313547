import { useMutation } from '@tanstack/react-query';
import { saveBlob } from '../desktop';

/** Fetches a file and saves it (the native save dialog in the desktop app);
 * a failure is the mutation's error, shown where the button is. */
export function useDownload() {
  return useMutation({
    mutationFn: async ({ file, name }: { file: () => Promise<Blob>; name: string }) => saveBlob(await file(), name),
  });
}
