// Reads User-Agent Client Hints. ua-parser-js 1.x has no Client Hints API, so the hints are
// mapped here and then preferred over the UA string by the UA enricher: Chromium freezes the
// UA string (Windows 11 reports "Windows NT 10.0", macOS reports 10_15_7, Android models read
// "K"), while the hints carry the real values.
//
// Values arrive as the browser sent the headers, in structured-field syntax:
//   sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"
//   sec-ch-ua-mobile: ?1        sec-ch-ua-platform: "Windows"
import type { ClientHints } from './event-schema.ts';

export interface BrandVersion {
  readonly brand: string;
  readonly version: string;
}

export interface ParsedClientHints {
  /** Most specific real brand, named as ua-parser-js names it ("Chrome", "Edge"). */
  readonly browser: string | undefined;
  readonly browserVersion: string | undefined;
  readonly browserMajor: string | undefined;
  /** True when any brand is Chromium-based, i.e. the engine is Blink. */
  readonly chromium: boolean;
  readonly mobile: boolean | undefined;
  readonly os: string | undefined;
  readonly osVersion: string | undefined;
  readonly model: string | undefined;
}

const BRAND_ENTRY = /"((?:[^"\\]|\\.)*)"\s*;\s*v\s*=\s*"((?:[^"\\]|\\.)*)"/g;

/** Browsers add a made-up "GREASE" brand ("Not-A.Brand", "Not/A)Brand") to stop UA sniffing. */
const GREASE = /^\W*not\W*a\W*brand\W*$/i;

const BRAND_NAMES: Readonly<Record<string, string>> = {
  'Google Chrome': 'Chrome',
  'Microsoft Edge': 'Edge',
  'Android WebView': 'Chrome WebView',
  YaBrowser: 'Yandex',
};

const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  macOS: 'Mac OS',
  'Chrome OS': 'Chromium OS',
};

const unescapeSf = (s: string) => s.replace(/\\(.)/g, '$1');

/** An sf-string (`"Windows"`) or, leniently, a bare token. Empty and "Unknown" mean absent. */
export function parseHintString(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let text = value.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    text = unescapeSf(text.slice(1, -1));
  }
  return text === '' || text === 'Unknown' ? undefined : text;
}

export function parseBrandList(header: string | undefined): BrandVersion[] {
  if (header === undefined) return [];
  const brands: BrandVersion[] = [];
  for (const m of header.matchAll(BRAND_ENTRY)) {
    const brand = unescapeSf(m[1] ?? '').trim();
    if (brand !== '' && !GREASE.test(brand))
      brands.push({ brand, version: unescapeSf(m[2] ?? '') });
  }
  return brands;
}

/** The most specific brand: "Google Chrome" over the "Chromium" every Chromium browser sends. */
function pickBrand(brands: readonly BrandVersion[]): BrandVersion | undefined {
  return brands.find((b) => b.brand !== 'Chromium') ?? brands[0];
}

/**
 * Windows reports its version through sec-ch-ua-platform-version as a UniversalApiContract
 * version: 13 and above is Windows 11, 1 to 12 is Windows 10, 0.1 / 0.2 / 0.3 are 7 / 8 / 8.1.
 */
function windowsVersion(platformVersion: string): string | undefined {
  const [major, minor] = platformVersion.split('.').map(Number);
  if (major === undefined || Number.isNaN(major)) return undefined;
  if (major >= 13) return '11';
  if (major >= 1) return '10';
  return ({ 1: '7', 2: '8', 3: '8.1' } as Record<number, string>)[minor ?? -1];
}

export function parseClientHints(hints: ClientHints): ParsedClientHints {
  const fullList = parseBrandList(hints['sec-ch-ua-full-version-list']);
  const shortList = parseBrandList(hints['sec-ch-ua']);
  const full = pickBrand(fullList);
  const brand = full ?? pickBrand(shortList);
  const browser = brand === undefined ? undefined : (BRAND_NAMES[brand.brand] ?? brand.brand);
  const isChromium = (b: BrandVersion) => b.brand === 'Chromium';

  const mobileHint = hints['sec-ch-ua-mobile']?.trim();
  const platform = parseHintString(hints['sec-ch-ua-platform']);
  const platformVersion = parseHintString(hints['sec-ch-ua-platform-version']);
  let osVersion = platformVersion;
  if (platform === 'Windows' && platformVersion !== undefined) {
    osVersion = windowsVersion(platformVersion);
  }

  return {
    browser,
    browserVersion: full?.version,
    browserMajor: brand?.version.split('.')[0] || undefined,
    chromium: shortList.some(isChromium) || fullList.some(isChromium),
    mobile: mobileHint === '?1' ? true : mobileHint === '?0' ? false : undefined,
    os: platform === undefined ? undefined : (PLATFORM_NAMES[platform] ?? platform),
    osVersion,
    model: parseHintString(hints['sec-ch-ua-model']),
  };
}

export function hasClientHints(hints: ClientHints | undefined): hints is ClientHints {
  if (hints === undefined) return false;
  for (const key in hints) {
    if (hints[key as keyof ClientHints] !== undefined) return true;
  }
  return false;
}
