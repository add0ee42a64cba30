// Realistic user-agent strings for demo traffic: browsers x versions x platforms, plus crawlers,
// several hundred distinct strings in all; more on request (the benchmark's thousands), as the
// real long tail has them: Android phones of many models.
import type { Random } from './random.ts';

const windows = ['Windows NT 10.0; Win64; x64', 'Windows NT 6.1; Win64; x64'];
const macs = [
  'Macintosh; Intel Mac OS X 10_15_7',
  'Macintosh; Intel Mac OS X 14_5',
  'Macintosh; Intel Mac OS X 13_6',
];
const linuxes = ['X11; Linux x86_64', 'X11; Ubuntu; Linux x86_64'];
const androids = [
  'Linux; Android 14; Pixel 8',
  'Linux; Android 13; SM-S911B',
  'Linux; Android 12; SM-A525F',
  'Linux; Android 14; 23049PCD8G',
  'Linux; Android 13; SM-X710',
];
const iosVersions = ['17_5', '16_7', '18_1', '15_8'];

function chrome(platform: string, v: number, mobile: boolean): string {
  return `Mozilla/5.0 (${platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 ${mobile ? 'Mobile ' : ''}Safari/537.36`;
}

/** Browser user agents; `count` above the base set (about 500) adds Android models up to it. */
export function buildUserAgents(count = 0): string[] {
  const out: string[] = [];
  for (let v = 100; v <= 131; v++) {
    for (const p of [...windows, ...macs, ...linuxes]) out.push(chrome(p, v, false));
    for (const p of androids) out.push(chrome(p, v, !p.includes('SM-X')));
    out.push(`${chrome(windows[0] as string, v, false)} Edg/${v}.0.0.0`);
  }
  for (let v = 100; v <= 133; v++) {
    out.push(`Mozilla/5.0 (${windows[0]}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`);
    out.push(`Mozilla/5.0 (${linuxes[0]}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`);
  }
  for (const ios of iosVersions) {
    const sv = ios.split('_')[0];
    out.push(
      `Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${sv}.0 Mobile/15E148 Safari/604.1`,
      `Mozilla/5.0 (iPad; CPU OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${sv}.0 Mobile/15E148 Safari/604.1`,
    );
  }
  for (const m of macs) {
    out.push(
      `Mozilla/5.0 (${m}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15`,
    );
  }
  // The long tail: Chrome on Android phones of vendor model numbers, versions 100-131.
  const vendors = ['SM-A', 'SM-G', 'SM-S', 'moto g', 'Redmi Note ', 'CPH', 'RMX', 'V2'];
  for (let i = 0; out.length < count; i++) {
    const model = `${vendors[i % vendors.length]}${100 + Math.floor(i / vendors.length)}`;
    out.push(chrome(`Linux; Android ${10 + (i % 5)}; ${model}`, 100 + (i % 32), true));
  }
  return out;
}

export const botUserAgents = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'curl/8.5.0',
  'python-requests/2.32.3',
];

/** One user agent for a new user: about 3% crawlers, the rest browsers. */
export function drawUserAgent(random: Random, browsers: readonly string[]): string {
  const pool = random() < 0.03 ? botUserAgents : browsers;
  return pool[Math.floor(random() * pool.length)] as string;
}
