import { boolean, int, object, string, type Infer } from '../core/schema.js';

const ABS_PATH = /^\/[^\0]*$/;

export const fleetConfigSchema = object({
  updates: boolean().default(true).doc('Accept signed software updates.'),
  healthWindowSec: int({ min: 10, max: 3600 })
    .default(90)
    .doc('A new release must connect to the broker and draw the display within this time, or it is rolled back.'),
  maxBootAttempts: int({ min: 1, max: 10 })
    .default(3)
    .doc('Crash-loop limit for an uncommitted release: after this many starts without passing the health window the previous release comes back.'),
  releaseRoot: string({ pattern: ABS_PATH, expected: 'an absolute directory path' })
    .default('/opt/tillqr')
    .restart()
    .doc('Holds releases/<version>, the `current` link (what runs) and the `committed` link (last release that passed its health window).'),
  artifactCaFile: string({ pattern: ABS_PATH, expected: 'an absolute path to a PEM file' })
    .optional()
    .doc('CA certificate(s) trusted for HTTPS artifact downloads besides the system ones (an on-premises update server).'),
  maxArtifactBytes: int({ min: 1024, max: 2_147_483_647 }).default(268_435_456).doc('Update jobs announcing a larger artifact are rejected.'),
  maxUnpackedBytes: int({ min: 1024, max: 8_589_934_591 })
    .default(1_073_741_824)
    .doc('An artifact that unpacks to more than this is refused (a decompression bomb).'),
  blockSize: int({ min: 1024, max: 262_144 }).default(65_536).doc('Block size requested in a chunked MQTT transfer.'),
  blockWindow: int({ min: 1, max: 64 }).default(8).doc('Blocks requested at once in a chunked MQTT transfer.'),
  requestTimeoutSec: int({ min: 2, max: 600 })
    .default(15)
    .doc('A chunked-transfer request or a stalled HTTPS download is retried after this long without data.'),
  keepReleases: int({ min: 2, max: 10 }).default(3).doc('Release directories kept on disk (the running and the committed one are always kept).'),
});

export type FleetConfig = Infer<typeof fleetConfigSchema>;
