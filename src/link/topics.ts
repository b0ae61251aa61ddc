/**
 * Topic names: every device topic is `<topicPrefix>/<deviceId>/<name>`.
 */
export const INBOUND_TOPICS = ['charge', 'cancel', 'payment'] as const;
export const OUTBOUND_TOPICS = ['events', 'status'] as const;

export type InboundTopic = (typeof INBOUND_TOPICS)[number];
export type OutboundTopic = (typeof OUTBOUND_TOPICS)[number];
export type TopicName = InboundTopic | OutboundTopic;

export class DeviceTopics {
  readonly base: string;

  constructor(topicPrefix: string, deviceId: string) {
    this.base = `${topicPrefix}/${deviceId}/`;
  }

  topic(name: TopicName): string {
    return this.base + name;
  }

  /** The inbound topic name of a full topic, or undefined if it is not one of this device's inbound topics. */
  inbound(topic: string): InboundTopic | undefined {
    if (!topic.startsWith(this.base)) return undefined;
    const rest = topic.slice(this.base.length);
    return (INBOUND_TOPICS as readonly string[]).includes(rest) ? (rest as InboundTopic) : undefined;
  }
}
