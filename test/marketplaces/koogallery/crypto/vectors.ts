/**
 * @module test/marketplaces/koogallery/crypto/vectors
 * Test vectors copied verbatim from docs/koogallery.md §2.5.
 */
export const K = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";

export const STATE0_HEX = "8b3660c180eb818292c7ddb60c82a05746cf0193";
export const AES256_KEY_HEX = "09384393783b83b7cae7f76796893fcfe098b5dbf6190600adabe42ba7aae9d3";
export const AES128_KEY_HEX = "09384393783b83b7cae7f76796893fcf";

export const ENC_VECTORS: ReadonlyArray<{ plaintext: string; iv: string; bits: 128 | 256; wire: string }> = [
  { plaintext: "13800000000", iv: "AbCdEfGh12345678", bits: 256, wire: "AbCdEfGh12345678EC3zRBKoyiiUJ55c5MkPDQ==" },
  { plaintext: "13800000000", iv: "AbCdEfGh12345678", bits: 128, wire: "AbCdEfGh12345678S1BVeOABEm08gVNvfxceWg==" },
  { plaintext: "admin", iv: "Zz9Yy8Xx7Ww6Vv5U", bits: 256, wire: "Zz9Yy8Xx7Ww6Vv5UDCrArysYhqr/ijqwmKdvTg==" },
  { plaintext: "P@ssw0rd!", iv: "Q1w2E3r4T5y6U7i8", bits: 256, wire: "Q1w2E3r4T5y6U7i8Yn8TNmjFMyqXSjBrVkRfNQ==" },
];

export const BODY_SIGN_VECTORS: ReadonlyArray<{ body: string; signature: string }> = [
  { body: '{"resultCode":"000000","resultMsg":"success."}', signature: "hJSmGxgtMY4Exh9So8WWRbpOUvMlHjsIXICYRn5iX/E=" },
  {
    body: '{"resultCode":"000000","resultMsg":"success.","instanceId":"87b94795-0603-4e24-8ae5-69420d60e3c8"}',
    signature: "+qanCxETtGtuXLHOhENcSUCfybNxFsvxZDSHEPanuvc=",
  },
];

export const V1_A_TOKEN = "fkTBcpg4KeSifBDLW82bQ37DxN10mc1mz94ZLJYG3vo=";
/** Vector A as received, with the real token percent-encoded as KooGallery sends it. */
export const V1_A_QUERY =
  "activity=newInstance&businessId=61e834ba-7b97-4418-b8f7-e5345137278c&customerId=68cbc86abc2018ab880d92f36422fa0e" +
  "&customerName=demo_user&expireTime=20250201000000&mobilePhone=AbCdEfGh12345678EC3zRBKoyiiUJ55c5MkPDQ%3D%3D" +
  "&orderId=CS2501011200ABCDE&productId=OFFI000000000000000001&testFlag=1&timeStamp=20250101040000123" +
  "&authToken=" +
  encodeURIComponent(V1_A_TOKEN);
export const V1_A_STRING_TO_SIGN =
  "activity=newInstance&businessId=61e834ba-7b97-4418-b8f7-e5345137278c&customerId=68cbc86abc2018ab880d92f36422fa0e" +
  "&customerName=demo_user&expireTime=20250201000000&mobilePhone=AbCdEfGh12345678EC3zRBKoyiiUJ55c5MkPDQ==" +
  "&orderId=CS2501011200ABCDE&productId=OFFI000000000000000001&testFlag=1&timeStamp=20250101040000123";

export const V1_B_PARAMS: Readonly<Record<string, string>> = {
  activity: "expireInstance",
  instanceId: "inst-0001",
  orderId: "CS2501011200ABCDE",
  testFlag: "1",
  timeStamp: "20250101040000123",
};
export const V1_B_TOKEN = "a8byITX2wsjj0b1X644xPahBJEE8X8lWaBNAyvXq6bU=";

export const V2_BODY =
  '{"activity":"newInstance","businessId":"87b94795-0603-4e24-8ae5-69420d60e3c8","orderId":"CS2211181819B4LVS","orderLineId":"CS2211181819B4LVS-000001","testFlag":"1"}';
export const V2_NONCE = "50D83FDECAED6CCD8EF597F2A577950527928BA287D04E6036E92B2806FD17DA";
export const V2_TIMESTAMP = "1680508066618";
export const V2_INNER = "e5c90e72c7d39df2354ae9a53239b6a1d411443d8f12103a3a457df4ffa4cb2b";
export const V2_SIGNATURE = "b754e126a66585796b5af37e97abbedfc8fa0195ea82fac198fa8f6f911e4b42";
export const V2_WRONG_SHA256_INNER_PREFIX = "60b5560690ebe7f9";
