/// Raised while decoding damaged bytes; the file reader adds the file name.
struct CorruptData: Error {
    let problem: String

    init(_ problem: String) {
        self.problem = problem
    }
}

/// Bounds-checked little-endian access to a byte array. Every read that would
/// leave the array throws instead of trapping.
struct ByteView {
    let bytes: [UInt8]

    func load<T: FixedWidthInteger>(_ type: T.Type, at position: Int) throws(CorruptData) -> T {
        guard position >= 0, position <= bytes.count - MemoryLayout<T>.size else {
            throw CorruptData("metadata reference out of bounds")
        }
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
    }
}

/// A FlatBuffers table inside a flatbuffer, read through its vtable.
struct FlatTableView {
    let view: ByteView
    let position: Int
    private let vtable: Int
    private let vtableSize: Int

    /// The root table of a flatbuffer.
    static func root(of bytes: [UInt8]) throws(CorruptData) -> FlatTableView {
        let view = ByteView(bytes: bytes)
        return try FlatTableView(view: view, position: Int(view.load(UInt32.self, at: 0)))
    }

    init(view: ByteView, position: Int) throws(CorruptData) {
        self.view = view
        self.position = position
        let relative = Int(try view.load(Int32.self, at: position))
        vtable = position - relative
        vtableSize = Int(try view.load(UInt16.self, at: vtable))
        guard vtableSize >= 4, vtableSize % 2 == 0, vtable + vtableSize <= view.bytes.count else {
            throw CorruptData("bad FlatBuffers vtable")
        }
    }

    /// Absolute position of a field, or nil when it is absent (default value).
    func fieldPosition(_ slot: Int) throws(CorruptData) -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try view.load(UInt16.self, at: vtable + entry))
        return offset == 0 ? nil : position + offset
    }

    func scalar<T: FixedWidthInteger>(_ slot: Int, default value: T) throws(CorruptData) -> T {
        guard let at = try fieldPosition(slot) else { return value }
        return try view.load(T.self, at: at)
    }

    func table(_ slot: Int) throws(CorruptData) -> FlatTableView? {
        guard let target = try referenceTarget(slot) else { return nil }
        return try FlatTableView(view: view, position: target)
    }

    func string(_ slot: Int) throws(CorruptData) -> String? {
        guard let target = try referenceTarget(slot) else { return nil }
        let length = Int(try view.load(UInt32.self, at: target))
        guard length <= view.bytes.count - target - 4 else { throw CorruptData("string out of bounds") }
        return String(decoding: view.bytes[(target + 4)..<(target + 4 + length)], as: UTF8.self)
    }

    func tables(_ slot: Int) throws(CorruptData) -> [FlatTableView] {
        guard let (start, count) = try vector(slot, elementSize: 4) else { return [] }
        var tables: [FlatTableView] = []
        for index in 0..<count {
            let element = start + 4 * index
            let target = element + Int(try view.load(UInt32.self, at: element))
            tables.append(try FlatTableView(view: view, position: target))
        }
        return tables
    }

    /// Start of the first element and the count of a vector, checked to fit.
    func vector(_ slot: Int, elementSize: Int) throws(CorruptData) -> (start: Int, count: Int)? {
        guard let target = try referenceTarget(slot) else { return nil }
        let count = Int(try view.load(UInt32.self, at: target))
        guard count <= (view.bytes.count - target - 4) / elementSize else {
            throw CorruptData("vector out of bounds")
        }
        return (target + 4, count)
    }

    private func referenceTarget(_ slot: Int) throws(CorruptData) -> Int? {
        guard let at = try fieldPosition(slot) else { return nil }
        let target = at + Int(try view.load(UInt32.self, at: at))
        guard target < view.bytes.count else { throw CorruptData("metadata reference out of bounds") }
        return target
    }
}
