import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { isKnownTimeZone, type CallingWindow } from '../domain/calling-window';
import type { DialEntry } from '../domain/contact-entry';
import { nanpAreaCodeZones } from './nanp-time-zones';

/** Where an entry's zone came from (docs/compliance.md, "Where each zone comes from"). */
export type ZoneSource = 'attribute' | 'area-code' | 'country' | 'default';

export type EntryZone = { zone: string; source: ZoneSource } | { zone?: undefined; reason: string };

/**
 * Countries (ISO 3166 regions, as libphonenumber names a number's) that lie in one IANA zone,
 * so a number of theirs tells its zone. Countries with more than one (US, CA, MX, BR, AU, RU,
 * ID, KZ, ES, PT, NZ, CL, EC, CN, MY, AR, CY and others) are left out: their numbers take the
 * TimeZone attribute or the default, or wait. NANP countries go by area code instead.
 */
const SINGLE_ZONE_COUNTRIES: Readonly<Record<string, string>> = {
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels',
  LU: 'Europe/Luxembourg',
  CH: 'Europe/Zurich',
  AT: 'Europe/Vienna',
  DK: 'Europe/Copenhagen',
  SE: 'Europe/Stockholm',
  NO: 'Europe/Oslo',
  FI: 'Europe/Helsinki',
  IS: 'Atlantic/Reykjavik',
  PL: 'Europe/Warsaw',
  CZ: 'Europe/Prague',
  SK: 'Europe/Bratislava',
  HU: 'Europe/Budapest',
  SI: 'Europe/Ljubljana',
  HR: 'Europe/Zagreb',
  RO: 'Europe/Bucharest',
  BG: 'Europe/Sofia',
  GR: 'Europe/Athens',
  EE: 'Europe/Tallinn',
  LV: 'Europe/Riga',
  LT: 'Europe/Vilnius',
  MT: 'Europe/Malta',
  RS: 'Europe/Belgrade',
  BA: 'Europe/Sarajevo',
  MK: 'Europe/Skopje',
  AL: 'Europe/Tirane',
  ME: 'Europe/Podgorica',
  MD: 'Europe/Chisinau',
  BY: 'Europe/Minsk',
  TR: 'Europe/Istanbul',
  IL: 'Asia/Jerusalem',
  JO: 'Asia/Amman',
  LB: 'Asia/Beirut',
  AE: 'Asia/Dubai',
  SA: 'Asia/Riyadh',
  QA: 'Asia/Qatar',
  KW: 'Asia/Kuwait',
  BH: 'Asia/Bahrain',
  OM: 'Asia/Muscat',
  EG: 'Africa/Cairo',
  MA: 'Africa/Casablanca',
  ZA: 'Africa/Johannesburg',
  NG: 'Africa/Lagos',
  KE: 'Africa/Nairobi',
  GH: 'Africa/Accra',
  IN: 'Asia/Kolkata',
  PK: 'Asia/Karachi',
  BD: 'Asia/Dhaka',
  LK: 'Asia/Colombo',
  NP: 'Asia/Kathmandu',
  SG: 'Asia/Singapore',
  HK: 'Asia/Hong_Kong',
  TW: 'Asia/Taipei',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  PH: 'Asia/Manila',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
  CO: 'America/Bogota',
  PE: 'America/Lima',
  VE: 'America/Caracas',
  UY: 'America/Montevideo',
  PY: 'America/Asuncion',
  CR: 'America/Costa_Rica',
  PA: 'America/Panama',
  GT: 'America/Guatemala',
  SV: 'America/El_Salvador',
  HN: 'America/Tegucigalpa',
  NI: 'America/Managua',
  CU: 'America/Havana',
};

/**
 * The entry's IANA zone, in order: its TimeZone attribute (the window's `timeZoneAttribute`),
 * its number (a North American area code in one zone; a country in one zone), the window's
 * default. Postal codes are not mapped (docs/compliance.md). With none of them the entry has
 * no zone and the reason says what would give it one: it is never guessed.
 */
export function entryTimeZone(
  entry: Pick<DialEntry, 'Attributes' | 'CustomerEndpoint'>,
  window: Pick<CallingWindow, 'timeZoneAttribute' | 'defaultTimeZone'>,
  defaultAttributes?: Record<string, string>,
): EntryZone {
  const attribute = window.timeZoneAttribute;
  const given = entry.Attributes?.[attribute] ?? defaultAttributes?.[attribute];
  if (given !== undefined && given.trim() !== '') {
    const zone = given.trim();
    if (isKnownTimeZone(zone)) return { zone, source: 'attribute' };
    return { reason: unknownZoneReason(attribute, zone) };
  }
  const byNumber = zoneOfNumber(entry.CustomerEndpoint?.Address);
  if (byNumber) return byNumber;
  if (window.defaultTimeZone) return { zone: window.defaultTimeZone, source: 'default' };
  return {
    reason: `no time zone: the number does not tell one (its area code or country spans several zones, or is not in the table) and there is no ${attribute} attribute or default; set a ${attribute} column or --default-time-zone`,
  };
}

export function unknownZoneReason(attribute: string, zone: string): string {
  return `"${zone}" is not an IANA time zone name this runtime knows (e.g. America/New_York)`.concat(attribute ? ` (attribute ${attribute})` : '');
}

function zoneOfNumber(address: string | undefined): { zone: string; source: ZoneSource } | undefined {
  if (!address) return undefined;
  const number = parsePhoneNumberFromString(address);
  if (!number) return undefined;
  if (number.countryCallingCode === '1') {
    const zone = nanpAreaCodeZones.get(number.nationalNumber.slice(0, 3));
    return zone ? { zone, source: 'area-code' } : undefined;
  }
  const zone = number.country ? SINGLE_ZONE_COUNTRIES[number.country] : undefined;
  return zone ? { zone, source: 'country' } : undefined;
}
