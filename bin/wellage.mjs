#!/usr/bin/env node
// The `wellage` command. WellAge runs its TypeScript sources directly through tsx's
// loader, so there is no build step to forget and no stale dist/ to debug.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
