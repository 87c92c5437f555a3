import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { installFaults, LocalFaults } from '../../infra/local/faults';

/** The local stack's fault injection carries nothing on the clients while no fault is left to inject. */
describe('fault middleware on the shared clients', () => {
  const region = 'ca-central-1';
  const clients = { dynamodb: new DynamoDBClient({ region }), ses: new SESClient({ region }), stepfunctions: new SFNClient({ region }) };
  const carries = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify().some((entry) => entry.startsWith('localFaultInjection'));
  const carrying = () => ({ dynamodb: carries(clients.dynamodb), ses: carries(clients.ses), stepfunctions: carries(clients.stepfunctions) });
  let faults: LocalFaults;
  let uninstall: () => void;
  beforeEach(() => {
    faults = new LocalFaults();
    uninstall = installFaults(faults, clients);
  });
  afterEach(() => uninstall());

  it('is on a client only while its target has faults left, and off once they are all injected', () => {
    expect(carrying()).toEqual({ dynamodb: false, ses: false, stepfunctions: false });
    faults.set({ dynamodb: { mode: 'throttle', count: 2, operation: 'GetItem' } });
    expect(carrying()).toEqual({ dynamodb: true, ses: false, stepfunctions: false });
    expect(faults.take('dynamodb', 'PutItemCommand')).toBeUndefined();
    expect(faults.take('dynamodb', 'GetItemCommand')).toBe('throttle');
    expect(carries(clients.dynamodb)).toBe(true);
    expect(faults.take('dynamodb', 'GetItemCommand')).toBe('throttle');
    expect(carries(clients.dynamodb)).toBe(false);
    // What was injected stays reported.
    expect(faults.state().dynamodb).toMatchObject({ count: 0, injected: 2 });
  });

  it('is taken off when a target is cleared, when all are reset, and when uninstalled', () => {
    faults.set({ ses: { mode: 'reject', count: 5 }, stepfunctions: { mode: 'throttle', count: 1 } });
    expect(carrying()).toEqual({ dynamodb: false, ses: true, stepfunctions: true });
    faults.set({ ses: null });
    expect(carrying()).toEqual({ dynamodb: false, ses: false, stepfunctions: true });
    faults.reset();
    expect(carrying()).toEqual({ dynamodb: false, ses: false, stepfunctions: false });
    faults.set({ dynamodb: { mode: 'throttle', count: 1 } });
    uninstall();
    expect(carrying()).toEqual({ dynamodb: false, ses: false, stepfunctions: false });
    // Uninstalled, arming again puts nothing back.
    faults.set({ dynamodb: { mode: 'throttle', count: 1 } });
    expect(carries(clients.dynamodb)).toBe(false);
  });
});
