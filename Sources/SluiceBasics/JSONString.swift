/// How Sluice writes a string as JSON: the one escaper behind every JSON text
/// it prints (plans, journals, run records, `lint --format json`, SARIF, the
/// editor schema, `sluice cat --format json`).
///
/// RFC 8259 requires escaping only the quote, the backslash and C0 controls.
/// Sluice also escapes, as `\uXXXX`:
/// - DEL (U+007F) and the C1 controls (U+0080–U+009F), so that with C0 they
///   are all of Unicode's control characters (category Cc): a terminal that
///   shows a record (`cat journal.jsonl`) acts on them (C1 0x9B starts an
///   escape sequence on some terminals) instead of showing them;
/// - LINE SEPARATOR and PARAGRAPH SEPARATOR (U+2028, U+2029), which
///   JavaScript before ES2019 refuses inside strings and line readers such as
///   Python's `str.splitlines()` take for line ends: a JSON line stays one line.
/// Everything else, including other non-ASCII text, is written as is (UTF-8).
/// `"`, `\`, `\n`, `\r` and `\t` take their short forms; other escapes are
/// `\u` with four lowercase hex digits.
public enum JSONString {
    /// Whether `scalar` is written as a `\uXXXX` (or short) escape.
    @inlinable
    public static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || value == 0x22 || value == 0x5C || (value >= 0x7F && value < 0xA0)
            || value == 0x2028 || value == 0x2029
    }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var out = ""
        write(text, to: &out)
        return out
    }

    /// Appends `text` as a JSON string literal, quotes included.
    public static func write(_ text: String, to out: inout String) {
        if isPlain(text) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            if isEscaped(scalar) {
                out += escape(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Appends `text` as a JSON string literal, in UTF-8, to `bytes` (the
    /// journal writes lines as bytes).
    public static func write(_ text: String, to bytes: inout [UInt8]) {
        write(text, copying: { bytes.append(contentsOf: $0) }, byte: { bytes.append($0) })
    }

    /// `write(_:to:)` into a `ByteBuffer` (the plan's JSON, about 220,000
    /// strings for 10,000 tasks): a plain string and its quotes after one
    /// capacity check rather than three.
    public static func write(_ text: String, to bytes: inout ByteBuffer) {
        // Read in place (no copy of the string to make it mutable, which cost a
        // retain and a release a call); a string without contiguous UTF-8 (bridged) takes the escaping path.
        let copied = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard isPlain(utf8) else { return false }
            appendQuoted(utf8, to: &bytes)
            return true
        } ?? false
        if !copied { writeEscaped(text) { bytes.append($0) } }
    }

    /// `write(_:to:)` of text given as its UTF-8 bytes (a digest spelled into
    /// a temporary buffer, with no string made of it).
    public static func write(utf8 text: UnsafeBufferPointer<UInt8>, to bytes: inout ByteBuffer) {
        if isPlain(text) {
            appendQuoted(text, to: &bytes)
        } else {
            writeEscaped(String(decoding: text, as: UTF8.self)) { bytes.append($0) }
        }
    }

    /// A plain string and its quotes, after one capacity check.
    private static func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout ByteBuffer) {
        bytes.reserve(utf8.count + 2)
        bytes.appendReserved(UInt8(ascii: "\""))
        bytes.appendReserved(utf8)
        bytes.appendReserved(UInt8(ascii: "\""))
    }

    /// The UTF-8 writers' one body: `copy` takes runs of bytes, `emit` single ones.
    @inline(__always)
    private static func write(_ text: String, copying copy: (UnsafeBufferPointer<UInt8>) -> Void, byte emit: (UInt8) -> Void) {
        // Most strings (names, paths, types) escape nothing: decided and
        // copied from the string's own UTF-8 storage in one pass, a memcpy
        // rather than a byte-by-byte append through `String.UTF8View`.
        var text = text
        let copied = text.withUTF8 { utf8 -> Bool in
            guard isPlain(utf8) else { return false }
            emit(UInt8(ascii: "\""))
            copy(utf8)
            emit(UInt8(ascii: "\""))
            return true
        }
        if !copied { writeEscaped(text, emit) }
    }

    /// A string that needs escapes, quotes included, handed to `emit` a byte at a time.
    private static func writeEscaped(_ text: String, _ emit: (UInt8) -> Void) {
        // Straight into the bytes: building the escaped text as a
        // `String` first, scalar by scalar, cost ten times as much (a
        // lint report of thousands of messages holding quotes).
        emit(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            if isEscaped(scalar) {
                for byte in escape(scalar).utf8 { emit(byte) }
            } else {
                UTF8.encode(scalar, into: emit)
            }
        }
        emit(UInt8(ascii: "\""))
    }

    /// The escape for one scalar that `isEscaped`.
    static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            let hex = String(scalar.value, radix: 16)
            return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }

    /// Whether no scalar of `text` is escaped, decided on its UTF-8 bytes
    /// (most strings: names, paths, types), so they are copied whole.
    static func isPlain(_ text: String) -> Bool {
        let answer = text.utf8.withContiguousStorageIfAvailable(isPlain)
        return answer ?? !text.unicodeScalars.contains(where: isEscaped)
    }

    /// `isPlain` on the text's UTF-8 bytes.
    static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        // Eight bytes at a time while they are plain ASCII (digests, names,
        // paths: nearly every string), then byte by byte from the first
        // word that is not: a byte loop cost about 12 instructions a byte
        // (a cache entry writes five 64-digit digests). No multi-byte
        // sequence starts in the words skipped, so the byte loop decides
        // the rest exactly as it would the whole.
        var index = 0
        while count - index >= 8, isPlainASCII(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
            index += 8
        }
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return false }
            } else if byte == 0xC2 {
                // U+0080–U+009F are C2 80 … C2 9F.
                if index + 1 < count, bytes[index + 1] < 0xA0 { return false }
            } else if byte == 0xE2 {
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
                if index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 { return false }
            }
            index += 1
        }
        return true
    }

    /// Whether all eight bytes of `word` are ASCII that JSON writes as it
    /// is: none at or above 0x7F (DEL, or the start of a multi-byte
    /// sequence), below 0x20, a quote or a backslash. The usual SWAR tests,
    /// exact for "is there such a byte" (not for which one):
    /// `(x - 0x01…) & ~x & 0x80…` is nonzero iff some byte of `x` is zero,
    /// and with `0x20…` instead of `0x01…` iff some byte is below 0x20 (for
    /// bytes below 0x80, which the first term has already required).
    @inline(__always)
    static func isPlainASCII(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highBits != 0 }
        if word & highBits != 0 { return false }
        if (word &- ones &* 0x20) & ~word & highBits != 0 { return false }
        return !hasZeroByte(word ^ (ones &* 0x22)) && !hasZeroByte(word ^ (ones &* 0x5C)) && !hasZeroByte(word ^ (ones &* 0x7F))
    }
}

// MARK: - Reading escapes

extension JSONString {
    /// Why a backslash inside a JSON string does not start a valid escape.
    /// Each parser words these its own way (a plan error, an ingest error).
    public enum EscapeProblem: Error, Sendable {
        /// The text ends right after the backslash.
        case truncated
        /// Not one of `" \ / b f n r t u`.
        case unknownLetter
        /// `\u` with fewer than four characters left.
        case shortUnicode
        case invalidHexDigit
        /// A high surrogate not followed by `\u`.
        case loneSurrogate
        /// A high surrogate followed by something other than a low one.
        case badSurrogatePair
        /// A low surrogate on its own.
        case notAScalar
    }

    /// Reads the escape after a backslash, RFC 8259's rules: `bytes[index]`
    /// is its letter, and `index` ends past the escape (a surrogate pair is
    /// one scalar). `end` is where the text ends.
    @inlinable
    public static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int,
                                end: Int) throws(EscapeProblem) -> Unicode.Scalar {
        guard index < end else { throw .truncated }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(letter)
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            var code = try hex4(bytes, at: &index, end: end)
            if (0xD800..<0xDC00).contains(code) {
                guard index + 1 < end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw .loneSurrogate
                }
                index += 2
                let low = try hex4(bytes, at: &index, end: end)
                guard (0xDC00..<0xE000).contains(low) else { throw .badSurrogatePair }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw .notAScalar }
            return scalar
        default: throw .unknownLetter
        }
    }

    @inlinable
    static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, end: Int) throws(EscapeProblem) -> UInt32 {
        guard index + 4 <= end else { throw .shortUnicode }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .invalidHexDigit
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }
}
