#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A table file in a format Sluice recognises but does not read (Parquet):
/// one line saying so and what to write instead.
public struct UnsupportedTableFormat: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let format: String

    public init(path: String, format: String) {
        self.path = path
        self.format = format
    }

    public var description: String {
        "\"\(path)\" is a \(format) file, which Sluice does not read; write Arrow IPC instead "
            + "(pandas df.to_feather(path), polars df.write_ipc(path), pyarrow.feather.write_feather) or CSV"
    }
}

extension TableIngest.InputFormat {
    /// The format of the table at `path`, decided by its first bytes (never
    /// by its name): Arrow IPC file (`ARROW1`) or stream (`0xFFFFFFFF`),
    /// JSON lines (first non-blank byte `{`), otherwise CSV. Parquet (`PAR1`)
    /// is refused. A file that cannot be opened or read counts as CSV here;
    /// reading it then reports why.
    /// `followingSymlinks: false` for a task's staged file (then a symlink
    /// detects as CSV, and reading it refuses it).
    public static func detect(path: String, followingSymlinks: Bool = true) throws -> Self {
        let start = leadingBytes(path, count: 4096, followingSymlinks: followingSymlinks)
        return try detect(start: start, path: path)
    }

    /// As `detect(path:)`, for the first bytes of a table held elsewhere.
    public static func detect(start: [UInt8], path: String) throws -> Self {
        if start.starts(with: ArrowWriter.magic) || start.starts(with: [0xFF, 0xFF, 0xFF, 0xFF]) { return .arrow }
        if start.starts(with: Array("PAR1".utf8)) { throw UnsupportedTableFormat(path: path, format: "Parquet") }
        var index = start.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while index < start.count, [0x20, 0x09, 0x0A, 0x0D].contains(start[index]) { index += 1 }
        return index < start.count && start[index] == UInt8(ascii: "{") ? .jsonLines : .csv
    }

    /// Up to `count` bytes from the start of a regular file, opened as staged
    /// files are (`RegularFile`: no FIFO waited on); empty otherwise.
    private static func leadingBytes(_ path: String, count: Int, followingSymlinks: Bool) -> [UInt8] {
        guard let descriptor = try? RegularFile.openForReading(path, followingSymlinks: followingSymlinks).descriptor else { return [] }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(descriptor, base + filled, count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            filled += got
        }
        return Array(buffer.prefix(filled))
    }
}
