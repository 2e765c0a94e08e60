#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as the bytes a socket connects to, with the kind of network it belongs to.
///
/// Outbound requests that a tenant can aim (webhooks) must reach only the public internet: this type
/// decides, from the address actually connected to, whether it is loopback, private, link-local and so on
/// (DESIGN §6.4), including IPv4 addresses carried inside IPv6 (mapped, NAT64, 6to4).
public struct NetworkAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), in network order.
    public let bytes: [UInt8]

    /// An address from its 4 or 16 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// An address literal: dotted IPv4 or IPv6 (brackets allowed); nil for anything else, names included.
    public init?(_ literal: String) {
        let bare = literal.hasPrefix("[") && literal.hasSuffix("]") ? String(literal.dropFirst().dropLast()) : literal
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, bare, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// The kind of network the address belongs to.
    public var scope: AddressScope {
        bytes.count == 4 ? Self.scope(ipv4: bytes) : Self.scope(ipv6: bytes)
    }

    /// The usual text form (`127.0.0.1`, `::1`).
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        guard written != nil else { return bytes.map { String($0) }.joined(separator: ".") }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func scope(ipv4 b: [UInt8]) -> AddressScope {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return .unspecified  // "this network", 0.0.0.0/8
        case (127, _, _): return .loopback
        case (10, _, _), (172, 16...31, _), (192, 168, _): return .private
        case (169, 254, _): return .linkLocal
        case (100, 64...127, _): return .sharedAddressSpace
        case (224...239, _, _): return .multicast
        case (240...255, _, _): return .reserved  // including the broadcast address
        case (192, 0, 0), (192, 0, 2), (198, 18...19, _), (198, 51, 100), (203, 0, 113): return .reserved  // protocol, benchmarking, documentation
        default: return .global
        }
    }

    private static func scope(ipv6 b: [UInt8]) -> AddressScope {
        let embedded = Array(b[12..<16])
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] == 1 ? .loopback : (b[15] == 0 ? .unspecified : .reserved) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return scope(ipv4: embedded) }  // ::ffff:a.b.c.d
        if b[0..<12] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return scope(ipv4: embedded) }  // NAT64 64:ff9b::/96
        if b[0] == 0x20 && b[1] == 0x02 { return scope(ipv4: Array(b[2..<6])) }  // 6to4 2002::/16
        switch (b[0], b[1]) {
        case (0xff, _): return .multicast
        case (0xfc...0xfd, _): return .uniqueLocal
        case (0xfe, 0x80...0xbf): return .linkLocal
        case (0xfe, 0xc0...0xff): return .private  // deprecated site-local
        case (0x00, _): return .reserved  // IPv4-compatible and other ::/8 forms
        case (0x01, 0x00) where b[2..<8].allSatisfy({ $0 == 0 }): return .reserved  // discard-only 100::/64
        case (0x20, 0x01) where b[2] == 0x0d && b[3] == 0xb8: return .reserved  // documentation 2001:db8::/32
        case (0x20, 0x01) where b[2] == 0 && b[3] == 0: return .reserved  // Teredo 2001::/32 hides its IPv4 peer
        default: return .global
        }
    }
}

/// The kind of network an address belongs to. Only ``global`` is the public internet.
public enum AddressScope: String, Sendable, CaseIterable {
    case global = "public"
    case loopback
    case `private` = "private"
    case linkLocal = "link-local"
    /// 100.64.0.0/10, carrier-grade NAT.
    case sharedAddressSpace = "carrier-grade NAT"
    case uniqueLocal = "unique-local"
    case unspecified
    case multicast
    /// Documentation, benchmarking, future-use and other ranges no public host uses.
    case reserved

    /// True only for public internet addresses.
    public var isPublic: Bool { self == .global }
}
