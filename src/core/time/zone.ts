/**
 * Time-zone offset tables. A zone's UTC offsets are read once from the IANA database (through the
 * Temporal polyfill) as a sorted list of transitions, then every conversion is plain arithmetic
 * on that list: daylight-saving changes are handled here, once, not in every computation.
 */
import { Temporal } from 'temporal-polyfill';

export const MS_PER_DAY = 86_400_000;
/** Transitions are tabulated over this range; outside it, the Temporal polyfill answers directly. */
const TABLE_FROM = Date.UTC(1970, 0, 1);
const TABLE_TO = Date.UTC(2100, 0, 1);

export class ZoneTable {
  /** starts[k] is the first instant at which offsets[k] applies; starts[0] = -Infinity. */
  private readonly starts: Float64Array;
  private readonly offsets: Float64Array;

  private constructor(
    readonly zone: string,
    starts: number[],
    offsets: number[],
  ) {
    this.starts = Float64Array.from(starts);
    this.offsets = Float64Array.from(offsets);
  }

  static build(zone: string): ZoneTable {
    // Throws RangeError for an unknown zone; callers validate names with isValidZone first.
    let zdt = Temporal.Instant.fromEpochMilliseconds(TABLE_FROM).toZonedDateTimeISO(zone);
    const starts: number[] = [-Infinity];
    const offsets: number[] = [zdt.offsetNanoseconds / 1e6];
    for (let guard = 0; guard < 100_000; guard++) {
      const next = zdt.getTimeZoneTransition('next');
      if (!next || next.epochMilliseconds >= TABLE_TO) break;
      const off = next.offsetNanoseconds / 1e6;
      if (off !== offsets[offsets.length - 1]) {
        starts.push(next.epochMilliseconds);
        offsets.push(off);
      }
      zdt = next;
    }
    return new ZoneTable(zone, starts, offsets);
  }

  /** Index of the offset period containing instant t. */
  private periodIndex(t: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** UTC offset in ms at instant t (local = t + offset). */
  offsetAt(t: number): number {
    if (t < TABLE_FROM || t >= TABLE_TO) return slowOffset(this.zone, t);
    return this.offsets[this.periodIndex(t)]!;
  }

  /** Local wall-clock time of t as "local epoch ms" (ms since 1970-01-01T00:00 local). */
  toLocal(t: number): number {
    return t + this.offsetAt(t);
  }

  /** Local day number (days since 1970-01-01 in local time) of instant t. */
  localDay(t: number): number {
    return Math.floor(this.toLocal(t) / MS_PER_DAY);
  }

  /**
   * The instants whose local wall-clock time lies in [wallFrom, wallTo) (local epoch ms), as
   * disjoint sorted intervals appended to `out`. Wall times in a skipped hour have no instants; wall
   * times in a repeated hour have two. This is the exact meaning of "open from 09:00 to 17:00".
   */
  wallRangeToInstants(wallFrom: number, wallTo: number, out: number[]): void {
    if (wallTo <= wallFrom) return;
    // Offsets lie within +-18h, so candidate instants lie in [wallFrom - 18h, wallTo + 18h).
    const lo = wallFrom - 18 * 3_600_000;
    const hi = wallTo + 18 * 3_600_000;
    if (lo < TABLE_FROM || hi >= TABLE_TO) {
      // Outside the table: assume no transition inside a single wall range (checked both ends).
      const o1 = slowOffset(this.zone, wallFrom - slowOffset(this.zone, wallFrom));
      out.push(wallFrom - o1, wallTo - slowOffset(this.zone, wallTo - o1));
      return;
    }
    let k = this.periodIndex(lo);
    const n = this.starts.length;
    for (; k < n; k++) {
      const pStart = this.starts[k]!;
      if (pStart >= hi) break;
      const pEnd = k + 1 < n ? this.starts[k + 1]! : Infinity;
      const o = this.offsets[k]!;
      const a = Math.max(wallFrom - o, pStart);
      const b = Math.min(wallTo - o, pEnd);
      if (a < b) {
        const last = out.length - 1;
        if (last > 0 && out[last] === a) out[last] = b;
        else out.push(a, b);
      }
    }
  }

  /** First instant of the local day `day` (usually local midnight; later if midnight was skipped). */
  startOfLocalDay(day: number): number {
    const tmp: number[] = [];
    this.wallRangeToInstants(day * MS_PER_DAY, (day + 1) * MS_PER_DAY, tmp);
    if (tmp.length > 0) return tmp[0]!;
    // A whole day skipped (Pacific/Apia 2011-12-30): the day "starts" when the next one does.
    return this.startOfLocalDay(day + 1);
  }
}

function slowOffset(zone: string, t: number): number {
  return Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6;
}

const cache = new Map<string, ZoneTable>();

/** The offset table of a zone, built once per process and shared (tables are immutable). */
export function zoneTable(zone: string): ZoneTable {
  let t = cache.get(zone);
  if (!t) {
    t = ZoneTable.build(zone);
    cache.set(zone, t);
  }
  return t;
}

/** Whether the name is an IANA zone this runtime knows (or UTC / a fixed offset). */
export function isValidZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return false;
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/** Canonical spelling of a zone name (e.g. "europe/berlin" -> "Europe/Berlin"). */
export function canonicalZone(zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone).timeZoneId;
}

/** Day number of a civil date (proleptic Gregorian), days since 1970-01-01. */
export function dayFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's days_from_civil.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date of a day number. */
export function civilFromDay(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: m <= 2 ? y + 1 : y, m, d };
}

/** ISO weekday of a day number: 1 = Monday ... 7 = Sunday. */
export function weekdayOfDay(day: number): number {
  // 1970-01-01 was a Thursday (4).
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function formatCivil(day: number): string {
  const { y, m, d } = civilFromDay(day);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
