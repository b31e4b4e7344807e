## The helpers of the generated buf.validate checks (<file>.validate.ts); no proto-specific content.
${generated_notice}
// source: ${source}
<%text>
// What the generated checks of protovalidate's standard rules share: field paths written as
// protovalidate writes them, and the well-known string formats with protovalidate's definitions.

import type { EnumSchema } from "./ssegen_json.js";

/** The path of field `name` of the message at `path` ("" for the request itself). */
export function at(path: string, name: string): string {
  return path === "" ? name : path + "." + name;
}

/** The path of a map entry: string keys quoted (as Go's strconv.Quote does printable text), other keys as they are. */
export function entryPath(path: string, key: string, quoted: boolean): string {
  return path + "[" + (quoted ? JSON.stringify(key) : key) + "]";
}

/** The number of Unicode code points, which protovalidate's lengths count. */
export function codePoints(value: string): number {
  return Array.from(value).length;
}

/** The number of an enum value given as its JSON name or number (unset: 0). */
export function enumNumber(value: string | number | undefined, schema: EnumSchema): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const index = schema.names.indexOf(value);
  return index < 0 ? 0 : (schema.numbers[index] ?? 0);
}

/** Whether every item differs from the others (64-bit integers compared by value). */
export function allUnique(items: readonly unknown[]): boolean {
  return new Set(items.map((item) => (typeof item === "string" ? "s" + item : "n" + String(item)))).size === items.length;
}

// See https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address, protovalidate's definition.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TUUID = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{1,4}$/;
const DEC_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function isTuuid(value: string): boolean {
  return TUUID.test(value);
}

/** Labels of 1-63 letters, digits and inner hyphens, at most 253 characters, a last label not all digits. */
export function isHostname(value: string): boolean {
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  if (name.length > 253) return false;
  const labels = name.split(".");
  for (const label of labels) {
    if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label)) return false;
  }
  return !/^[0-9]+$/.test(labels[labels.length - 1] ?? "");
}

/** Dotted decimal, four octets without leading zeros. */
export function isIpv4(value: string): boolean {
  const octets = value.split(".");
  return octets.length === 4 && octets.every((o) => DEC_OCTET.test(o) && Number(o) <= 255);
}

/** RFC 4291 text form: at most one "::", an IPv4 tail, and an optional non-empty zone ("%eth0"). */
export function isIpv6(value: string): boolean {
  const percent = value.indexOf("%");
  const address = percent < 0 ? value : value.slice(0, percent);
  if (percent >= 0 && percent === value.length - 1) return false;
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groups = (text: string): string[] => (text === "" ? [] : text.split(":"));
  const pieces = [...groups(halves[0] ?? ""), ...(halves.length === 2 ? groups(halves[1] ?? "") : [])];
  let count = pieces.length;
  const last = pieces[pieces.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (!isIpv4(last) || (halves.length === 1 && count !== 7)) return false;
    pieces.pop();
    count += 1;
  }
  if (!pieces.every((p) => HEX16.test(p))) return false;
  return halves.length === 2 ? count < 8 : count === 8;
}

export function isIp(value: string): boolean {
  return isIpv4(value) || isIpv6(value);
}

// RFC 3986's grammar, piece by piece (pct-encoded, unreserved, sub-delims).
const PCHAR = "(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})";
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const USERINFO = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*$/;
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const PORT = /^[0-9]*$/;
const PATH_ABEMPTY = new RegExp("^(?:/" + PCHAR + "*)*$");
const PATH_ROOTLESS = new RegExp("^" + PCHAR + "+(?:/" + PCHAR + "*)*$");
const PATH_ABSOLUTE = new RegExp("^/(?:" + PCHAR + "+(?:/" + PCHAR + "*)*)?$");
const QUERY_OR_FRAGMENT = new RegExp("^(?:" + PCHAR + "|[/?])*$");
const IPV_FUTURE = /^[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/;

/** An absolute URI (RFC 3986; zone identifiers in IPv6 literals as RFC 6874 writes them). */
export function isUri(value: string): boolean {
  const colon = value.indexOf(":");
  if (colon < 0 || !SCHEME.test(value.slice(0, colon))) return false;
  let rest = value.slice(colon + 1);
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    if (!QUERY_OR_FRAGMENT.test(rest.slice(hash + 1))) return false;
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf("?");
  if (question >= 0) {
    if (!QUERY_OR_FRAGMENT.test(rest.slice(question + 1))) return false;
    rest = rest.slice(0, question);
  }
  if (!rest.startsWith("//")) return rest === "" || PATH_ABSOLUTE.test(rest) || PATH_ROOTLESS.test(rest);
  rest = rest.slice(2);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  return isAuthority(authority) && PATH_ABEMPTY.test(slash < 0 ? "" : rest.slice(slash));
}

function isAuthority(authority: string): boolean {
  const at = authority.lastIndexOf("@");
  if (at >= 0 && !USERINFO.test(authority.slice(0, at))) return false;
  let hostPort = authority.slice(at + 1);
  let host = hostPort;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) return false;
    const literal = hostPort.slice(1, close);
    hostPort = hostPort.slice(close + 1);
    if (hostPort !== "" && !(hostPort.startsWith(":") && PORT.test(hostPort.slice(1)))) return false;
    if (IPV_FUTURE.test(literal)) return true;
    const zone = literal.indexOf("%25");
    if (zone < 0) return !literal.includes("%") && isIpv6(literal);
    const zoneId = literal.slice(zone + 3);
    return zoneId !== "" && REG_NAME.test(zoneId) && isIpv6(literal.slice(0, zone)) && decodes(zoneId);
  }
  const colon = hostPort.lastIndexOf(":");
  if (colon >= 0) {
    if (!PORT.test(hostPort.slice(colon + 1))) return false;
    host = hostPort.slice(0, colon);
  }
  return REG_NAME.test(host) && decodes(host);
}

// Percent-encodings of a host must decode to UTF-8.
function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}
</%text>
