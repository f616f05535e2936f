/// Something a JSON value is written into piece by piece, in document order:
/// `JSONBytesWriter` appends its text to a byte buffer, `JSONTreeBuilder`
/// assembles a `JSON` value. A model with a large JSON form (the plan) writes
/// itself once, generically, to either: so `sluice plan` emits its bytes
/// straight from the model, with no value tree built and freed on the way,
/// and the shape still has one definition.
///
/// Inside an object every value follows its `key`; the caller keeps the
/// nesting balanced (`begin…` / `end…`).
public protocol JSONSink {
    mutating func beginObject()
    mutating func endObject()
    mutating func beginArray()
    mutating func endArray()
    /// The name of the next member of the open object; its value follows.
    mutating func key(_ name: String)
    /// A key fixed in the program (a field of a model's JSON shape): plain
    /// ASCII that needs no escaping, so a text writer copies it as it is.
    mutating func key(literal name: StaticString)
    mutating func null()
    mutating func bool(_ value: Bool)
    mutating func int(_ value: Int64)
    mutating func string(_ value: String)
    /// A whole value, as its tree.
    mutating func value(_ value: JSON)
}

extension JSONSink {
    /// A literal key written as any other key.
    @inlinable
    public mutating func key(literal name: StaticString) {
        key(name.withUTF8Buffer { String(decoding: $0, as: UTF8.self) })
    }

    /// The string, or null when there is none.
    @inlinable
    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// The integer, or null when there is none.
    @inlinable
    public mutating func optionalInt(_ value: Int64?) {
        if let value { int(value) } else { null() }
    }

    /// An array of strings.
    @inlinable
    public mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }
}

/// JSON text as UTF-8 bytes, pretty (two-space indentation, `[]` and `{}`
/// for empty containers) or compact: the one writer behind `JSON.pretty()`
/// and `JSON.compact()`, so a model written through it prints exactly what
/// its value tree would.
///
/// The pieces a model writes (keys, brackets, scalars) are inlinable, so a
/// writer in another module (the plan's, in SluicePlan) copies a fixed key
/// with its indentation in place instead of through five calls; the state
/// they keep is `@usableFromInline` for them and changed only by this type.
public struct JSONBytesWriter: JSONSink, Sendable {
    /// The text so far; `bytes` hands it over as an array.
    @usableFromInline var buffer: ByteBuffer
    @usableFromInline let pretty: Bool
    /// Open containers (`depth`).
    @usableFromInline var openContainers = 0
    /// Whether the innermost open container has no member yet (decides the comma and the line break).
    @usableFromInline var isEmpty = true
    /// Whether a key was just written, so the value goes on its line.
    @usableFromInline var afterKey = false

    /// Open containers; the members of the innermost are indented by `2 * depth` spaces.
    @inlinable
    public var depth: Int { openContainers }

    public init(pretty: Bool, reservingCapacity capacity: Int = 0) {
        self.pretty = pretty
        buffer = ByteBuffer(reservingCapacity: capacity)
    }

    /// A writer for members of a container another writer has open at
    /// `depth` (1 for the members of the outermost value), after members it
    /// already holds when `afterMembers`: its bytes are exactly what that
    /// writer would write for the same members next, and are put back into
    /// it with `appendMembers(of:)`. So two threads can write the two
    /// halves of a long array.
    public init(pretty: Bool, reservingCapacity capacity: Int = 0, membersAtDepth depth: Int, afterMembers: Bool) {
        self.init(pretty: pretty, reservingCapacity: capacity)
        openContainers = depth
        isEmpty = !afterMembers
    }

    /// Appends the members `other` wrote (a writer made with
    /// `membersAtDepth:afterMembers:` for this writer's innermost open
    /// container and what it held then), as if written here.
    public mutating func appendMembers(of other: JSONBytesWriter) {
        guard other.buffer.count > 0 else { return }
        other.withBytes { buffer.append($0) }
        isEmpty = false
    }

    /// Hands the text written so far to `emit` in whole pieces of
    /// `pieceSize` bytes (from the start of the storage, so a multiple of the
    /// page size keeps a page-aligned buffer's pieces aligned), and keeps the
    /// rest, fewer than `pieceSize` bytes, to be continued. Only bytes go: the
    /// open containers and commas stay, so what is written next follows as if
    /// nothing had been taken, and the pieces with what `withBytes` lends at
    /// the end are the same text as from a writer never emptied.
    public mutating func emitWholePieces(of pieceSize: Int, _ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        precondition(pieceSize > 0, "JSONBytesWriter: a piece has at least one byte")
        guard buffer.count >= pieceSize else { return }
        var emitted = 0
        try buffer.withBytes { bytes in
            while bytes.count - emitted >= pieceSize {
                try emit(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[emitted..<(emitted + pieceSize)])))
                emitted += pieceSize
            }
        }
        buffer.removeFirst(emitted)
    }

    /// `appendMembers(of:)` for a writer streamed out with
    /// `emitWholePieces`: `other`'s bytes are appended a piece's room at a
    /// time and each whole piece handed to `emit` as it fills, so this
    /// writer's storage never holds more than about a piece of them.
    public mutating func appendMembers(of other: JSONBytesWriter, emittingPiecesOf pieceSize: Int,
                                       _ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard other.buffer.count > 0 else { return }
        try other.withBytes { bytes in
            var appended = 0
            while appended < bytes.count {
                try emitWholePieces(of: pieceSize, emit)
                let taken = min(pieceSize - buffer.count, bytes.count - appended)
                buffer.append(UnsafeBufferPointer(rebasing: bytes[appended..<(appended + taken)]))
                appended += taken
            }
        }
        isEmpty = false
        try emitWholePieces(of: pieceSize, emit)
    }

    /// Drops the text written so far and keeps the storage and the state:
    /// a writer made with `membersAtDepth:afterMembers:`, its members
    /// appended to another writer, so writes the next members into the same
    /// memory as if its text were still there (`Plan.writeJSONPieces`'s chunks).
    public mutating func removeWrittenText() {
        buffer.removeAll()
    }

    /// The text written so far, as UTF-8 (one copy of it).
    public var bytes: [UInt8] { buffer.array }

    /// How many bytes have been written: where the next value's text will start.
    public var count: Int { buffer.count }

    /// The text written so far, lent to `body` without a copy (valid only during it).
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try buffer.withBytes(body)
    }

    /// A comma after an earlier member, then in pretty text a new line at the member's indentation.
    @inlinable
    mutating func startMember() {
        guard openContainers > 0 else { return }
        buffer.reserve(1 + lineBreakCount)
        if !isEmpty { buffer.appendReserved(UInt8(ascii: ",")) }
        isEmpty = false
        if pretty { appendLineBreakReserved() }
    }

    @inlinable
    mutating func startValue() {
        if afterKey { afterKey = false } else { startMember() }
    }

    @inlinable
    mutating func newline() {
        buffer.reserve(lineBreakCount)
        appendLineBreakReserved()
    }

    /// The bytes of a line break with the indentation of the open container's members.
    @inlinable
    var lineBreakCount: Int { 1 + 2 * openContainers }

    /// A line break and the indentation of the open container's members,
    /// into room reserved for them (`lineBreakCount` bytes).
    @inlinable @inline(__always)
    mutating func appendLineBreakReserved() {
        // The indentation as one fill rather than a byte at a time
        // (indentation is half the bytes of a plan's JSON).
        buffer.appendReserved(UInt8(ascii: "\n"))
        buffer.appendReserved(repeating: UInt8(ascii: " "), count: 2 * openContainers)
    }

    /// Appends fixed ASCII text (a literal, a bracket pair) as one copy.
    @inlinable
    mutating func append(_ text: StaticString) {
        buffer.append(text)
    }

    @inlinable
    mutating func open(_ bracket: Unicode.Scalar) {
        startValue()
        buffer.append(UInt8(ascii: bracket))
        openContainers += 1
        isEmpty = true
    }

    @inlinable
    mutating func close(_ bracket: Unicode.Scalar) {
        openContainers -= 1
        if !isEmpty && pretty { newline() }
        buffer.append(UInt8(ascii: bracket))
        // The enclosing container holds this one, so it is not empty.
        isEmpty = false
    }

    /// The line break that ends a pretty text, after its one value.
    @inlinable
    public mutating func endLine() { buffer.append(UInt8(ascii: "\n")) }

    @inlinable
    public mutating func beginObject() { open("{") }
    @inlinable
    public mutating func endObject() { close("}") }
    @inlinable
    public mutating func beginArray() { open("[") }
    @inlinable
    public mutating func endArray() { close("]") }

    @inlinable
    public mutating func key(_ name: String) {
        startMember()
        JSONString.write(name, to: &buffer)
        append(pretty ? ": " : ":")
        afterKey = true
    }

    /// Always inlined: a model's JSON is mostly fixed keys (about 385,000
    /// in a 10,000-task plan), and inlined at the caller the name's length
    /// is a constant, so its copy is a few moves instead of a `memcpy` call.
    @inlinable @inline(__always)
    public mutating func key(literal name: StaticString) {
        name.withUTF8Buffer { name in
            // One capacity and uniqueness check for the whole key, not one
            // for each of its five pieces: a comma, the line break and
            // indentation, the quoted name, the colon and its space.
            buffer.reserve(1 + lineBreakCount + 1 + name.count + 3)
            if openContainers > 0 {
                if !isEmpty { buffer.appendReserved(UInt8(ascii: ",")) }
                isEmpty = false
                if pretty { appendLineBreakReserved() }
            }
            buffer.appendReserved(UInt8(ascii: "\""))
            buffer.appendReserved(name)
            buffer.appendReserved(UInt8(ascii: "\""))
            buffer.appendReserved(UInt8(ascii: ":"))
            if pretty { buffer.appendReserved(UInt8(ascii: " ")) }
        }
        afterKey = true
    }

    @inlinable
    public mutating func null() {
        startValue()
        append("null")
    }

    @inlinable
    public mutating func bool(_ value: Bool) {
        startValue()
        append(value ? "true" : "false")
    }

    @inlinable
    public mutating func int(_ value: Int64) {
        startValue()
        buffer.appendDecimal(value)
    }

    public mutating func double(_ value: Double) {
        startValue()
        buffer.appendUTF8(JSON.formatDouble(value))
    }

    @inlinable
    public mutating func string(_ value: String) {
        startValue()
        JSONString.write(value, to: &buffer)
    }

    /// A value as compact text this writer wrote earlier (`count` before and
    /// after it, the comma before it left out): copied, not written again.
    /// Compact writers only: pretty text would need it indented.
    public mutating func value(compactText text: UnsafeBufferPointer<UInt8>) {
        precondition(!pretty, "JSONBytesWriter: compact text copied into a pretty writer")
        startValue()
        buffer.append(text)
    }

    /// A string value given as its UTF-8 bytes: the same text `string(_:)` writes for it.
    public mutating func string(utf8 value: UnsafeBufferPointer<UInt8>) {
        startValue()
        JSONString.write(utf8: value, to: &buffer)
    }

    public mutating func value(_ value: JSON) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let members):
            beginObject()
            for (name, member) in members {
                key(name)
                self.value(member)
            }
            endObject()
        }
    }
}

/// Assembles the `JSON` value written into it, for callers that want the tree.
public struct JSONTreeBuilder: JSONSink {
    private enum Container {
        case array([JSON])
        case object([(String, JSON)])
    }

    /// The open containers, innermost last.
    private var open: [Container] = []
    /// Keys whose values are still being written, innermost last.
    private var keys: [String] = []
    /// The finished value, once the outermost one is complete.
    public private(set) var result: JSON = .null

    public init() {}

    private mutating func add(_ value: JSON) {
        // Taken off the stack and put back, so the array is appended to in place, not copied.
        switch open.popLast() {
        case nil:
            result = value
        case .array(var items)?:
            items.append(value)
            open.append(.array(items))
        case .object(var members)?:
            members.append((keys.popLast() ?? "", value))
            open.append(.object(members))
        }
    }

    public mutating func beginObject() { open.append(.object([])) }
    public mutating func beginArray() { open.append(.array([])) }

    public mutating func endObject() {
        if case .object(let members)? = open.popLast() { add(.object(members)) }
    }

    public mutating func endArray() {
        if case .array(let items)? = open.popLast() { add(.array(items)) }
    }

    public mutating func key(_ name: String) { keys.append(name) }
    public mutating func null() { add(.null) }
    public mutating func bool(_ value: Bool) { add(.bool(value)) }
    public mutating func int(_ value: Int64) { add(.int(value)) }
    public mutating func string(_ value: String) { add(.string(value)) }
    public mutating func value(_ value: JSON) { add(value) }
}
