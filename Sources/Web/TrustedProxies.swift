import Foundation

/// `PYRAMYDAL_HTTP_TRUSTED_PROXIES`: the addresses (IPv4/IPv6, single or
/// CIDR) of the proxies in front of the service, e.g. the load balancer's
/// subnets. Only a request whose peer is one of them has its
/// `X-Forwarded-For` read, and then the client is the rightmost address in
/// it that is not itself a trusted proxy (everything left of that was
/// written by the client and proves nothing). With none configured the
/// header is ignored: anybody could send one to dodge login throttling.
public struct TrustedProxies: Sendable, Hashable {
    struct Network: Sendable, Hashable {
        var bytes: [UInt8]
        var prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefixLength
            for (a, b) in zip(address, bytes) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if a & mask != b & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    var networks: [Network]

    public init() { networks = [] }

    /// - Parameter list: comma-separated addresses or networks (`10.0.0.0/16, fd00::/8, 127.0.0.1`).
    /// - Throws: ``WebSettingsError`` naming the entry that is not one.
    public init(parsing list: String) throws(WebSettingsError) {
        networks = []
        for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.addressBytes(parts[0]) else {
                throw WebSettingsError(variable: "PYRAMYDAL_HTTP_TRUSTED_PROXIES", message: "\"\(entry)\" is not an IP address or network")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let n = Int(parts[1]), (0...bytes.count * 8).contains(n) else {
                    throw WebSettingsError(variable: "PYRAMYDAL_HTTP_TRUSTED_PROXIES", message: "\"\(entry)\" has a bad prefix length")
                }
                prefix = n
            }
            networks.append(Network(bytes: bytes, prefixLength: prefix))
        }
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.addressBytes(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: `peer`, or, when `peer` is a trusted proxy, the
    /// rightmost `X-Forwarded-For` entry that is not one (`peer` when the
    /// header holds nothing usable).
    public func clientAddress(peer: String, forwardedFor headers: [String]) -> String {
        guard !networks.isEmpty, contains(peer) else { return peer }
        let hops = headers.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard Self.addressBytes(hop) != nil else { return peer }
            if !contains(hop) { return hop }
        }
        return peer
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address (IPv4-mapped IPv6 as
    /// IPv4; no zone ids). Pure Swift: no socket calls for a header value.
    static func addressBytes(_ text: String) -> [UInt8]? {
        if let v4 = ipv4(Substring(text)) { return v4 }
        guard text.contains(":"), text.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = ipv4(piece) { return bytes + v4 }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        var bytes: [UInt8]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
            bytes = head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
        } else {
            bytes = head
        }
        guard bytes.count == 16 else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    /// Dotted decimal, four parts of 0–255 without leading zeros.
    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
