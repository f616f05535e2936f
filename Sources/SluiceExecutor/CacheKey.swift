import Crypto
import Foundation
import SluiceColumnar
import SluicePlan
import SluiceBasics

/// One input of a task instance's cache key. The manifest of a cache entry
/// keeps every component (a digest plus a short, masked, human-readable
/// value), so `--explain` can name what changed since the entry was made.
struct KeyComponent: Equatable, Sendable {
    enum Kind: String, Sendable, CaseIterable {
        /// In the order `--explain` reports a difference: the most specific cause first.
        case param, deps, value, env, item, variable = "var", upstream, outputs, command, task
    }

    var kind: Kind
    /// A param path, a deps file, an upstream output (`task.output`), an env
    /// name, an upstream task, `item`, `run.id`…
    var name: String
    /// SHA-256 (hex) of the canonical value.
    var digest: String
    /// The value as `--explain` prints it: masked, at most 40 characters.
    var display: String

    func json() -> JSON {
        var tree = JSONTreeBuilder()
        write(to: &tree)
        return tree.result
    }

    /// `json()` written into any sink: a cache entry's manifest writes its components as bytes.
    func write<Sink: JSONSink>(to sink: inout Sink) {
        sink.beginObject()
        sink.key(literal: "kind"); sink.string(kind.rawValue)
        sink.key(literal: "name"); sink.string(name)
        sink.key(literal: "digest"); sink.string(digest)
        sink.key(literal: "display"); sink.string(display)
        sink.endObject()
    }

    init(kind: Kind, name: String, digest: String, display: String) {
        self.kind = kind
        self.name = name
        self.digest = digest
        self.display = display
    }

    init?(json: JSON) {
        guard let kind = json["kind"]?.stringValue.flatMap(Kind.init(rawValue:)), let name = json["name"]?.stringValue,
              let digest = json["digest"]?.stringValue else { return nil }
        self.init(kind: kind, name: name, digest: digest, display: json["display"]?.stringValue ?? "")
    }
}

/// A cache key: SHA-256 over a versioned, canonical encoding of its components.
struct CacheKey: Equatable, Sendable {
    /// Bump when the encoding or the meaning of a component changes: every old entry then misses.
    static let formatVersion = 1

    var digest: String
    var components: [KeyComponent]

    init(components: [KeyComponent]) {
        self.init(components: components, hashedFirst: nil)
    }

    /// `hashedFirst`: `hasher(afterFirst: components[0])`, the state every key of a
    /// task starts from (its `task` component hashes the same bytes for each of its
    /// instances), so only the other components are hashed here: a mapped instance's
    /// key then costs one SHA-256 block fewer.
    init(components: [KeyComponent], hashedFirst: SHA256?) {
        assert(hashedFirst == nil || components.first?.kind == .task, "a shared start is the state after the task component")
        self.components = components
        var hasher = hashedFirst ?? SHA256()
        let hashed = hashedFirst == nil ? components[...] : components.dropFirst()
        // The same bytes as one line per component, appended into one buffer
        // (each piece copied from the string's own storage) and hashed at once.
        var encoding = ByteBuffer(reservingCapacity: hashed.reduce(Self.header.count) { $0 + Self.encodedSizeBound($1) })
        if hashedFirst == nil { Self.header.withUnsafeBufferPointer { encoding.append($0) } }
        // By index: each component read in place, not copied (three strings retained and released) per line.
        for index in hashed.indices { Self.appendEncoding(of: hashed[index], to: &encoding) }
        encoding.withBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        digest = Self.hex(hasher.finalize())
    }

    /// The hash state after the encoding's header and `first`, the component every key of a task starts with.
    static func hasher(afterFirst first: KeyComponent) -> SHA256 {
        var encoding = ByteBuffer(reservingCapacity: header.count + encodedSizeBound(first))
        header.withUnsafeBufferPointer { encoding.append($0) }
        appendEncoding(of: first, to: &encoding)
        var hasher = SHA256()
        encoding.withBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher
    }

    /// A component's line of the encoding: its kind, NUL, its name's length in
    /// UTF-8 bytes, `:`, the name, NUL, the digest and a newline. Lengths first:
    /// no choice of names can make two encodings collide.
    private static func appendEncoding(of component: KeyComponent, to encoding: inout ByteBuffer) {
        encoding.appendUTF8(component.kind.rawValue)
        encoding.append(0)
        encoding.appendDecimal(Int64(component.name.utf8.count))
        encoding.append(UInt8(ascii: ":"))
        encoding.appendUTF8(component.name)
        encoding.append(0)
        encoding.appendUTF8(component.digest)
        encoding.append(UInt8(ascii: "\n"))
    }

    /// At least the bytes of a component's line: 20 cover a length's digits and the separators.
    private static func encodedSizeBound(_ component: KeyComponent) -> Int {
        component.kind.rawValue.utf8.count + component.name.utf8.count + component.digest.utf8.count + 20
    }

    private static let header = Array("sluice-cache-key v\(formatVersion)\n".utf8)

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        Array(digest).withUnsafeBytes { hex(rawBytes: $0) }
    }

    /// Read in the digest's own storage, with no array made of it.
    static func hex(_ digest: SHA256.Digest) -> String { digest.withUnsafeBytes { hex(rawBytes: $0) } }

    static func hex(rawBytes bytes: UnsafeRawBufferPointer) -> String {
        // Written into the string's own storage: no table or byte array per call (a key costs a dozen of these).
        String(unsafeUninitializedCapacity: bytes.count * 2) { writeHex(bytes, to: $0) }
    }

    /// `hex(_:)`'s digits lent to `body` from a temporary buffer, with no string made of them.
    static func withHex<R>(_ digest: SHA256.Digest, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * SHA256.byteCount) { out in
            let count = digest.withUnsafeBytes { writeHex($0, to: out) }
            return body(UnsafeBufferPointer(rebasing: out[..<count]))
        }
    }

    /// Writes two lowercase hex digits per byte into `out` (room for twice the bytes); returns how many it wrote.
    private static func writeHex(_ bytes: UnsafeRawBufferPointer, to out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard var digit = out.baseAddress, out.count >= 2 * bytes.count else { return 0 }
        // Through a moving pointer: an enumerated loop with two indexed stores per byte cost twice as much (every key hexes three digests).
        for byte in bytes {
            digit[0] = hexDigit(byte >> 4)
            digit[1] = hexDigit(byte & 0x0F)
            digit += 2
        }
        return bytes.count * 2
    }

    /// Whether `hex` is the SHA-256 of `bytes` as `hex(_:)` spells it (64 lowercase digits), compared digit by digit.
    static func isSHA256(of bytes: UnsafeBufferPointer<UInt8>, hex: UnsafeBufferPointer<UInt8>) -> Bool {
        guard hex.count == 2 * SHA256.byteCount else { return false }
        var hasher = SHA256()
        hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        var i = 0
        for byte in hasher.finalize() {
            guard hex[i] == hexDigit(byte >> 4), hex[i + 1] == hexDigit(byte & 0x0F) else { return false }
            i += 2
        }
        return true
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Hashed in the string's own UTF-8 storage: a key hashes several short strings, and copying each into an array cost as much as its hash.
    static func sha256(_ text: String) -> String {
        var text = text
        var hasher = SHA256()
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hex(hasher.finalize())
    }

    static func sha256(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    /// The SHA-256 of bytes where they lie: a manifest line's seal, hashed in its writer's buffer.
    static func sha256(of bytes: UnsafeBufferPointer<UInt8>) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    /// `3f2a9c4d1e0b`: enough to tell keys apart in a message.
    static func short(_ digest: String) -> String { String(digest.prefix(12)) }

    /// A value as `--explain` keeps it: masked, on one line, at most
    /// `displayLimit` characters (it prints 40 of them, around the first
    /// difference from the earlier value).
    static func display(_ text: String, masker: SecretMasker) -> String {
        let masked = masker.mask(text)
        // Foundation's replacingOccurrences copies through NSString even when there is nothing to replace.
        let oneLine = masked.containsByte(UInt8(ascii: "\n")) ? masked.replacingOccurrences(of: "\n", with: "\\n") : masked
        return masker.shortened(oneLine, limit: displayLimit)
    }

    static let displayLimit = 200
}

/// The SHA-256 of a file's content, streamed. Nil for anything but a
/// regular file: a FIFO would block and `/dev/zero` never ends.
enum FileDigest {
    static func sha256(path: String) -> String? {
        guard let fd = try? RegularFile.openForReading(path).descriptor else { return nil }
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return CacheKey.hex(hasher.finalize())
    }
}
