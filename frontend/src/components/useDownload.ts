import { useMutation } from '@tanstack/react-query';
import { saveDownload } from '../desktop';
import { useScope } from '../org/scope';

/** Saves a file the API serves (the native save dialog in the desktop app,
 * written by Go without passing through the page); a failure is the
 * mutation's error, shown where the button is. */
export function useDownload() {
  const { headers } = useScope();
  return useMutation({
    mutationFn: ({ path, name, scoped = true }: { path: string; name: string; scoped?: boolean }) =>
      saveDownload(path, name, scoped ? headers : {}),
  });
}
