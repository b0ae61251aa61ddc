/**
 * The UI strings of the screens in Japanese, English, Simplified Chinese and Korean. `{x}` marks
 * a value filled in by `t()`. Each string has a short form (`...Short`) where small panels need it.
 */
import type { Lang } from '../core/screen.js';

export const LANGS: readonly Lang[] = ['ja', 'en', 'zh', 'ko'];

/** The BCP 47 locale used to format amounts and times for each UI language. */
export const LOCALES: Readonly<Record<Lang, string>> = { ja: 'ja-JP', en: 'en-US', zh: 'zh-CN', ko: 'ko-KR' };

const STRINGS = {
  scan: { ja: '対応アプリで読み取ってください', en: 'Scan with any supported app', zh: '请使用支持的应用扫码', ko: '지원되는 앱으로 스캔하세요' },
  scanShort: { ja: 'アプリで読み取り', en: 'Scan with any app', zh: '用应用扫码', ko: '앱으로 스캔' },
  timeLeft: { ja: '残り {t}', en: '{t} left', zh: '剩余 {t}', ko: '남은 시간 {t}' },
  order: { ja: '注文 {id}', en: 'Order {id}', zh: '订单 {id}', ko: '주문 {id}' },
  paid: { ja: 'お支払い完了', en: 'Paid', zh: '支付成功', ko: '결제 완료' },
  thanks: { ja: 'ありがとうございました', en: 'Thank you', zh: '谢谢惠顾', ko: '감사합니다' },
  paidLate: { ja: '遅れて入金を確認しました', en: 'Payment confirmed late', zh: '付款已延迟确认', ko: '결제가 늦게 확인되었습니다' },
  via: { ja: '{w} でお支払い', en: 'Paid with {w}', zh: '通过 {w} 支付', ko: '{w} 결제' },
  failed: { ja: 'お支払いできませんでした', en: 'Payment failed', zh: '支付失败', ko: '결제 실패' },
  failedShort: { ja: '支払い失敗', en: 'Failed', zh: '支付失败', ko: '결제 실패' },
  tryAgain: { ja: '別の方法でお試しください', en: 'Please try another way to pay', zh: '请尝试其他支付方式', ko: '다른 결제 수단을 이용해 주세요' },
  expired: { ja: '有効期限が切れました', en: 'Payment expired', zh: '付款码已过期', ko: '결제 시간이 지났습니다' },
  expiredShort: { ja: '期限切れ', en: 'Expired', zh: '已过期', ko: '시간 초과' },
  askCashier: { ja: '店員にお声がけください', en: 'Please ask the cashier', zh: '请联系收银员', ko: '직원에게 문의해 주세요' },
  cancelled: { ja: '取り消しました', en: 'Cancelled', zh: '已取消', ko: '취소되었습니다' },
  cancelledShort: { ja: '取消', en: 'Cancelled', zh: '已取消', ko: '취소됨' },
  offline: { ja: 'オフライン', en: 'Offline', zh: '离线', ko: '오프라인' },
  doNotScan: {
    ja: '現在QR決済は使えません。読み取らないでください',
    en: 'QR payments are paused. Please do not scan.',
    zh: '暂停二维码支付，请勿扫码',
    ko: 'QR 결제를 잠시 쓸 수 없습니다. 스캔하지 마세요',
  },
  since: { ja: '{t} から', en: 'since {t}', zh: '自 {t} 起', ko: '{t}부터' },
  connecting: { ja: '接続中…', en: 'Connecting…', zh: '正在连接…', ko: '연결 중…' },
  notSetUp: { ja: '未設定の端末', en: 'Not set up yet', zh: '设备尚未配置', ko: '설정되지 않은 기기' },
  connectCable: {
    ja: '{port} にシリアルケーブルをつないで設定してください',
    en: 'Connect a serial cable to {port} to set it up',
    zh: '请将串口线连接到 {port} 进行配置',
    ko: '{port}에 시리얼 케이블을 연결해 설정하세요',
  },
  // The Pi's own UART on the 40-pin header: pin 8 is TXD (GPIO14), pin 10 RXD (GPIO15), 3.3 V levels.
  connectUart: {
    ja: 'ヘッダーの8番(TX)と10番(RX)ピン(GPIO14/15)に3.3Vのシリアルケーブルをつないで設定してください',
    en: 'Connect a 3.3 V serial cable to header pins 8 (TX) and 10 (RX), GPIO14/15, to set it up',
    zh: '请将3.3V串口线连接到排针8号(TX)和10号(RX)(GPIO14/15)进行配置',
    ko: '헤더 8번(TX)과 10번(RX) 핀(GPIO14/15)에 3.3V 시리얼 케이블을 연결해 설정하세요',
  },
  // The USB gadget console: on a Zero 2 W only the data port (marked USB, not PWR IN) carries data.
  connectUsb: {
    ja: 'USBと書かれたデータ用ポート(PWRではない方)にUSBケーブルをつないで設定してください',
    en: 'Connect a USB cable to the data port marked USB (not PWR) to set it up',
    zh: '请将USB线连接到标有USB的数据口(不是PWR)进行配置',
    ko: 'USB라고 표시된 데이터 포트(PWR 아님)에 USB 케이블을 연결해 설정하세요',
  },
  deviceId: { ja: '端末ID {id}', en: 'Device {id}', zh: '设备ID {id}', ko: '기기 ID {id}' },
  updating: { ja: 'ソフトウェア更新中', en: 'Updating software', zh: '正在更新软件', ko: '소프트웨어 업데이트 중' },
  updatingShort: { ja: '更新中', en: 'Updating', zh: '更新中', ko: '업데이트 중' },
  keepPower: { ja: '電源を切らないでください', en: 'Do not switch off', zh: '请勿断电', ko: '전원을 끄지 마세요' },
  error: { ja: 'エラー', en: 'Error', zh: '错误', ko: '오류' },
  forTechnician: { ja: '技術者の方へ:', en: 'Technician:', zh: '维修人员:', ko: '기술자 조치:' },
  welcome: { ja: 'いらっしゃいませ', en: 'Welcome', zh: '欢迎光临', ko: '어서 오세요' },
  weAccept: { ja: 'ご利用いただけます', en: 'We accept', zh: '支持以下支付方式', ko: '사용 가능한 결제' },
  qrAtCheckout: {
    ja: 'お会計のときにQRコードが表示されます',
    en: 'Your payment QR appears here at checkout',
    zh: '结账时此处将显示付款码',
    ko: '결제할 때 여기에 QR 코드가 나타납니다',
  },
  status: { ja: '状態', en: 'Status', zh: '状态', ko: '상태' },
  testPattern: { ja: 'テストパターン', en: 'Test pattern', zh: '测试图案', ko: '테스트 패턴' },
} as const satisfies Record<string, Record<Lang, string>>;

export type StringKey = keyof typeof STRINGS;

export const STRING_KEYS = Object.keys(STRINGS) as StringKey[];

/** The string in `lang` with `{name}` placeholders filled from `vars`. */
export function t(lang: Lang, key: StringKey, vars: Readonly<Record<string, string>> = {}): string {
  return STRINGS[key][lang].replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
}

/**
 * The second language of the result, idle, error and system screens: `configured` ('none' for
 * none), or the next in LANGS when it is the main language itself.
 */
export function secondLang(main: Lang, configured: Lang | 'none' = 'en'): Lang | undefined {
  if (configured === 'none') return undefined;
  if (configured !== main) return configured;
  return langsFrom(main)[1];
}

/** Which hint names the console port the technician must use: the header UART, the USB gadget, or a named adapter. */
export function cableHint(port: string): 'connectUart' | 'connectUsb' | 'connectCable' {
  if (/^\/dev\/(serial0|ttyAMA0|ttyS0)$/.test(port)) return 'connectUart';
  if (/^\/dev\/ttyGS\d+$/.test(port)) return 'connectUsb';
  return 'connectCable';
}

/** The main language first, then the others in a fixed order (the charge screen shows all four). */
export function langsFrom(main: Lang): Lang[] {
  return [main, ...LANGS.filter((l) => l !== main)];
}
