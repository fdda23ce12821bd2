// An app that crashes: it exits with status 1 after CRASH_AFTER_MS (default 50 ms), every time. Used to count
// what 1,000 crash-restarts cost the process manager's own memory.
setTimeout(() => process.exit(1), Number(process.env.CRASH_AFTER_MS || 50));
