import { onFirstUse } from '../../shared/adapters/aws-clients';

/** Clients that only some requests need are created on their first call, not at cold start. */
describe('onFirstUse', () => {
  class FakeClient {
    readonly sent: string[] = [];
    async send(command: string) {
      this.sent.push(command);
      return `sent ${command}`;
    }
  }

  it('creates nothing until a member is used, then forwards every call to the client, bound to it', async () => {
    const created: FakeClient[] = [];
    let shared: FakeClient | undefined;
    const get = () => (shared ??= (created.push(new FakeClient()), created.at(-1)!));
    const client = onFirstUse(get);
    expect(created).toHaveLength(0);

    await expect(client.send('A')).resolves.toBe('sent A');
    const { send } = client;
    await expect(send('B')).resolves.toBe('sent B');
    expect(created).toHaveLength(1);
    expect(created[0]!.sent).toEqual(['A', 'B']);
  });

  it('uses whatever client `get` answers at each call (a closed and recreated one included)', async () => {
    let current = new FakeClient();
    const client = onFirstUse(() => current);
    await client.send('A');
    const first = current;
    current = new FakeClient();
    await client.send('B');
    expect([first.sent, current.sent]).toEqual([['A'], ['B']]);
  });
});
