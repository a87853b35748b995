/**
 * @module bench/workers/bare
 * Baseline (a): the cheapest Worker that still behaves like a well-mannered HTTP endpoint.
 * It reads the whole body because workerd closes a keep-alive connection when a POST body is
 * left unread, which would turn the baseline into a connection-setup benchmark.
 */
const BODY = '{"resultCode":"000000","resultMsg":"success."}';

export default {
  /** @param {Request} request */
  async fetch(request) {
    await request.text();
    return new Response(BODY, { headers: { "content-type": "application/json" } });
  },
};
