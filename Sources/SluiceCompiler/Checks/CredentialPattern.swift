/// Byte-level scanners for credential-shaped text in `run` commands. Written
/// by hand rather than with `Regex`: they run over every command of a
/// 10,000-task spec and must cost next to nothing when nothing matches.
enum CredentialPattern {
    struct Match: Equatable {
        /// Offset and length in Unicode scalars within the scanned text.
        var offset: Int
        var length: Int
        var kind: String
    }

    static func find(in text: String) -> [Match] {
        var text = text
        return text.withUTF8 { find(in: $0) }
    }

    private static func find(in bytes: UnsafeBufferPointer<UInt8>) -> [Match] {
        var found: [(start: Int, end: Int, kind: String)] = []
        var i = 0
        while i < bytes.count {
            // Only A, g, p and P can start a pattern, and each starts only one
            // kind: skip everything else cheaply, try only the kind that fits.
            switch bytes[i] {
            case 65:
                if let end = awsKeyID(bytes, i) { found.append((i, end, "an AWS access key id")); i = end; continue }
            case 103:
                if let end = githubToken(bytes, i) { found.append((i, end, "a GitHub token")); i = end; continue }
            case 112, 80:
                // Every password word starts "pa" or "pw" (any case): most `p`s stop here, without a call.
                guard i + 1 < bytes.count, bytes[i + 1] | 0x20 == UInt8(ascii: "a") || bytes[i + 1] | 0x20 == UInt8(ascii: "w") else { break }
                if let end = passwordAssignment(bytes, i) { found.append((i, end, "a password")); i = end; continue }
            default:
                break
            }
            i += 1
        }
        return found.map { match in
            let offset = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<match.start]), as: UTF8.self).unicodeScalars.count
            let length = String(decoding: UnsafeBufferPointer(rebasing: bytes[match.start..<match.end]), as: UTF8.self).unicodeScalars.count
            return Match(offset: offset, length: length, kind: match.kind)
        }
    }

    private static func isUpperOrDigit(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 48 && b <= 57) }
    private static func isWordByte(_ b: UInt8) -> Bool { isUpperOrDigit(b) || (b >= 97 && b <= 122) || b == 95 }
    private static func startsWord(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool { i == 0 || !isWordByte(bytes[i - 1]) }

    private static let akia = Array("AKIA".utf8), asia = Array("ASIA".utf8), gh = Array("gh".utf8)
    private static let passwordWords = ["password", "passwd", "pwd"].map { Array($0.utf8) }

    private static func has(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int, _ p: [UInt8], caseInsensitive: Bool = false) -> Bool {
        guard i + p.count <= bytes.count else { return false }
        for k in 0..<p.count {
            var b = bytes[i + k]
            if caseInsensitive, b >= 65, b <= 90 { b += 32 }
            if b != p[k] { return false }
        }
        return true
    }

    /// `AKIA`/`ASIA` followed by 16 upper-case letters or digits, as a whole word.
    private static func awsKeyID(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard startsWord(bytes, i), has(bytes, i, akia) || has(bytes, i, asia) else { return nil }
        let end = i + 20
        guard end <= bytes.count, bytes[(i + 4)..<end].allSatisfy(isUpperOrDigit) else { return nil }
        guard end == bytes.count || !isWordByte(bytes[end]) else { return nil }
        return end
    }

    /// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` followed by 36 alphanumerics.
    private static func githubToken(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard startsWord(bytes, i), has(bytes, i, gh), i + 4 <= bytes.count,
              "pousr".utf8.contains(bytes[i + 2]), bytes[i + 3] == 95 else { return nil }
        var end = i + 4
        while end < bytes.count, isWordByte(bytes[end]), bytes[end] != 95 { end += 1 }
        return end - (i + 4) >= 36 ? end : nil
    }

    /// `password=VALUE` / `passwd:VALUE` / `pwd=VALUE` (any case, optional
    /// leading dashes) where VALUE is written out, not `$VAR` or `{{ ... }}`.
    private static func passwordAssignment(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        // Every word starts "pa" or "pw" (any case): most `p`s fail here, cheaply.
        guard i + 1 < bytes.count, bytes[i + 1] | 0x20 == UInt8(ascii: "a") || bytes[i + 1] | 0x20 == UInt8(ascii: "w") else { return nil }
        guard startsWord(bytes, i) else { return nil }
        var j = i
        var matched = false
        for word in passwordWords where has(bytes, j, word, caseInsensitive: true) {
            j += word.count; matched = true; break
        }
        guard matched, j < bytes.count, bytes[j] == UInt8(ascii: "=") || bytes[j] == UInt8(ascii: ":") else { return nil }
        j += 1
        var valueStart = j
        if valueStart < bytes.count, bytes[valueStart] == UInt8(ascii: "\"") || bytes[valueStart] == UInt8(ascii: "'") { valueStart += 1 }
        guard valueStart < bytes.count else { return nil }
        let first = bytes[valueStart]
        if first == UInt8(ascii: "$") || first == UInt8(ascii: "{") || first == UInt8(ascii: "*") || first == UInt8(ascii: " ") { return nil }
        var end = valueStart
        while end < bytes.count, bytes[end] != UInt8(ascii: " "), bytes[end] != UInt8(ascii: "\n"), bytes[end] != UInt8(ascii: "\t") { end += 1 }
        return end > valueStart ? end : nil
    }
}
