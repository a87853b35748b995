/**
 * User events: tracked by the same InstanceObject (subject "user") under
 * `activeplatform-user:{id}`, announced as user.* events, each applied once.
 */
import { describe, expect, it } from "vitest";
import { call, details, expectedUserId, expectTaskError, unique } from "../../support/activeplatform";

const userKeyOf = (id: string) => `activeplatform-user:${id}`;
const eventTypes = async (key: string) => (await details(key))?.events.map((e) => e.type).reverse();

async function createUser(email = `${unique("john")}@example.test`, opts: { apGuid?: string; resellerId?: string } = {}) {
  const apGuid = opts.apGuid ?? "ap-guid-test";
  const resellerId = opts.resellerId ?? "1001";
  const answer = await call("user/create", { password: "password", email, first_name: "John", last_name: "Doe" }, { apGuid, resellerId });
  expect(answer.status, answer.text).toBe(201);
  const id = String(answer.body.id);
  expect(answer.body).toEqual({ id: expectedUserId(apGuid, resellerId, email) });
  return { id, key: userKeyOf(id), email };
}

describe("user/create", () => {
  it("answers 201 with a deterministic id and records user.created, without the password", async () => {
    const { key } = await createUser();
    const d = await details(key);
    expect(d?.instance.state).toBe("active");
    expect(d?.instance.expiresAt).toBeNull();
    expect(d?.events.map((e) => e.type)).toEqual(["user.created"]);
    expect(JSON.stringify(d)).not.toContain('"password"');
  });

  it("a repeated create (e-mail in another letter case) returns the same id and creates nothing new", async () => {
    const { id, key, email } = await createUser();
    const again = await call("user/create", { password: "password", email: ` ${email.toUpperCase()} `.trim(), first_name: "John", last_name: "Doe" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ id });
    expect((await details(key))?.events).toHaveLength(1);
  });

  it("the same e-mail under another reseller is another user", async () => {
    const email = `${unique("same")}@example.test`;
    const a = await createUser(email, { resellerId: "1" });
    const b = await createUser(email, { resellerId: "2" });
    expect(a.id).not.toBe(b.id);
  });

  it("a user created again after delete is 409, not a silent success", async () => {
    const { id, email } = await createUser();
    expect((await call("user/delete", { id })).status).toBe(200);
    expectTaskError(await call("user/create", { email }), 409, `user ${id} with this e-mail was deleted and cannot be created again`);
  });

  it("validates the body", async () => {
    expectTaskError(await call("user/create", { first_name: "John" }), 400, "missing field: email");
    expectTaskError(await call("user/create", { email: "not-an-address" }), 400, "invalid field email: must be an e-mail address");
    expectTaskError(
      await call("user/create", { email: "a@b.test", first_name: 7 }),
      400,
      "invalid field first_name: Invalid input: expected string, received number",
    );
  });
});

describe("user/update, activate, deactivate, delete", () => {
  it("update records user.updated once; a repeat answers alike; a further change is a new event", async () => {
    const { id, key } = await createUser();
    const rename = { id, first_name: "Johnny", last_name: "Doe" };
    for (const body of [rename, rename, { id, first_name: "Jon", last_name: "Doe" }]) {
      const answer = await call("user/update", body);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toEqual({ id });
    }
    expect(await eventTypes(key)).toEqual(["user.created", "user.updated", "user.updated"]);
  });

  it("deactivate, activate and delete map to user.deactivated, user.activated, user.deleted; repeats change nothing", async () => {
    const { id, key } = await createUser();
    for (const [path, state] of [
      ["deactivate", "suspended"],
      ["deactivate", "suspended"],
      ["activate", "active"],
      ["activate", "active"],
      ["delete", "released"],
      ["delete", "released"],
    ] as const) {
      const answer = await call(`user/${path}`, { id });
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
      expect(answer.body).toEqual({ id });
      expect((await details(key))?.instance.state).toBe(state);
    }
    expect(await eventTypes(key)).toEqual(["user.created", "user.deactivated", "user.activated", "user.deleted"]);
  });

  it("concurrent deactivations apply once", async () => {
    const { id, key } = await createUser();
    const answers = await Promise.all(Array.from({ length: 5 }, () => call("user/deactivate", { id })));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
    expect(await eventTypes(key)).toEqual(["user.created", "user.deactivated"]);
  });

  it("unknown ids are 404, deleted users are 409, a missing id is 400", async () => {
    for (const path of ["update", "activate", "deactivate", "delete"]) {
      expectTaskError(await call(`user/${path}`, { id: "1234567" }), 404, "unknown user id 1234567");
      expectTaskError(await call(`user/${path}`, {}), 400, "missing field: id");
    }
    const { id } = await createUser();
    expect((await call("user/delete", { id })).status).toBe(200);
    expectTaskError(await call("user/update", { id, first_name: "X" }), 409, `user ${id} was deleted`);
    expectTaskError(await call("user/activate", { id }), 409, `user ${id} was deleted`);
  });
});
