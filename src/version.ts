/** @module version Reported by /healthz; bump with releases. */
export const VERSION = "0.1.0";
