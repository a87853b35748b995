/**
 * @module bindings
 * The Worker's bindings. Their type is generated from wrangler.toml and .dev.vars.example by
 * `npm run types` (worker-configuration.d.ts, checked in CI with `wrangler types --check`).
 * Secrets are typed as strings there but may be unset in a deployment, so config code reads
 * every value as possibly empty; `src/config.ts` parses and validates them.
 */
export type Bindings = Env;
