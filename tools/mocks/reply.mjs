/**
 * @module tools/mocks/reply
 * What a mock partner handler receives and answers. Pure (no sockets), so the same handlers serve
 * both the HTTP mock servers (tools/mocks/server.mjs) and the fetch-boundary partners of the
 * workerd tests (test/support/partners.ts).
 */

/**
 * @typedef {object} MockRequest
 * @property {string} method
 * @property {string} path      raw path as sent, without the query
 * @property {string} rawQuery  text after `?`, "" if none
 * @property {Record<string, string>} headers  lower-case names
 * @property {Uint8Array} bodyBytes exact bytes received
 * @property {string} body      the bytes as UTF-8
 * @property {number} now       receive time, epoch ms (from the injected clock)
 */

/**
 * @typedef {object} Reply
 * @property {number} status
 * @property {Record<string, string>} [headers]
 * @property {string} body
 * @property {string} verdict   short reason for the log, never a secret
 * @property {boolean} [ok]     whether the partner accepted the call
 * @property {Record<string, unknown>} [fields] key request fields worth logging (no secrets)
 * @property {string[]} [warnings] deviations from the documented protocol that were tolerated
 */

/** @typedef {(req: MockRequest) => Reply} Handler */

/**
 * @param {number} status
 * @param {unknown} value
 * @param {Omit<Reply, "status"|"body">} meta
 * @returns {Reply}
 */
export const jsonReply = (status, value, meta) => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: JSON.stringify(value),
  ...meta,
});
