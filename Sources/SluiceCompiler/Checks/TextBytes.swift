/// Byte-level shortcuts for checks that scan text on every task. Swift
/// compares and splits `String`s by grapheme cluster; on text whose every
/// character is a single ASCII byte, bytes give the same answers much faster.
enum TextBytes {
    /// ASCII with no `\r\n` (the one ASCII pair that forms a single character).
    static func isSingleByteCharacters(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for byte in bytes {
            if byte >= 0x80 || (previous == UInt8(ascii: "\r") && byte == UInt8(ascii: "\n")) { return false }
            previous = byte
        }
        return true
    }
}
