/**
 * `tillqr/backend`: the typed backend library. See src/backend/backend.ts and the README's
 * "A backend library" section; the wire contract is docs/protocol.md.
 */
export {
  Backend,
  TillqrError,
  type BackendOptions,
  type ChargeInput,
  type Decision,
  type DeviceEvent,
  type DeviceStatus,
  type PaymentInput,
  type SendOptions,
} from './backend.js';
export { signMessage, type MessageBody } from '../link/backend-client.js';
