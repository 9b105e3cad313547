// Vite empties dist/ on every build; the Go embed (//go:embed all:frontend/dist)
// needs the committed placeholder to exist in a fresh clone, so put it back.
import { writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/.gitkeep', import.meta.url), '');
