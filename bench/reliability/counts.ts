/** The counts of a full run (`npm run reliability`) and of the short form (`--quick`, and the CI tests in test/integration/reliability). */
export const COUNTS = {
  full: {
    mqttClosed: 80_000,
    mqttPending: 20_000,
    mqttBroker: 10_000,
    console: 10_000,
    config: 1_000,
    brokerRestarts: 20,
    kills: 20,
    diskSales: 50,
    panelStuck: 20,
    panelAfter: 5,
    serialCycles: 20,
    soakSales: 100_000,
  },
  quick: {
    mqttClosed: 4_000,
    mqttPending: 1_000,
    mqttBroker: 500,
    console: 500,
    config: 100,
    brokerRestarts: 3,
    kills: 3,
    diskSales: 5,
    panelStuck: 3,
    panelAfter: 2,
    serialCycles: 3,
    soakSales: 1_000,
  },
} as const;

export type Counts = (typeof COUNTS)[keyof typeof COUNTS];
