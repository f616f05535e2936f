import CLZ4
import CZstd

/// Arrow's `CompressionType`: the codec of a compressed record batch body.
enum CompressionCodec: Int8, Sendable {
    case lz4Frame = 0
    case zstd = 1

    var name: String { self == .lz4Frame ? "lz4" : "zstd" }
}

/// Undoes Arrow's per-buffer body compression (Message.fbs, BodyCompression
/// method BUFFER): each non-empty buffer is an int64 uncompressed length and
/// then one lz4 frame or zstd frame, or, with length -1, the bytes as they are.
///
/// Output grows only as the decoder really produces bytes, so a length field
/// that lies costs nothing; producing more or fewer bytes than it says is an
/// error, like every other inconsistency.
enum BodyDecompression {
    /// The body with its buffers decompressed back to back, and their new spans.
    static func decompress(_ body: [UInt8], spans: [BufferSpan], codec: CompressionCodec) throws(CorruptData) -> ([UInt8], [BufferSpan]) {
        var output: [UInt8] = []
        var newSpans: [BufferSpan] = []
        newSpans.reserveCapacity(spans.count)
        for span in spans {
            guard span.offset >= 0, span.length >= 0, span.offset <= Int64(body.count),
                  span.length <= Int64(body.count) - span.offset else {
                throw CorruptData("a compressed buffer lies outside the record batch body")
            }
            let start = output.count
            if span.length > 0 {
                let bufferStart = Int(span.offset)
                guard span.length >= 8 else { throw CorruptData("a compressed buffer of \(span.length) bytes has no length prefix") }
                let declared = try ByteView(bytes: Array(body[bufferStart..<(bufferStart + 8)])).load(Int64.self, at: 0)
                let payload = (bufferStart + 8)..<(bufferStart + Int(span.length))
                if declared == -1 {
                    output.append(contentsOf: body[payload])
                } else {
                    guard declared >= 0, declared <= Int64(Int32.max) * 8 else {
                        throw CorruptData("a compressed buffer claims \(declared) bytes")
                    }
                    try inflate(body, payload, declaredLength: Int(declared), codec: codec, into: &output)
                }
            }
            newSpans.append(BufferSpan(offset: Int64(start), length: Int64(output.count - start)))
        }
        return (output, newSpans)
    }

    /// Appends exactly `declaredLength` decompressed bytes to `output`.
    private static func inflate(_ body: [UInt8], _ payload: Range<Int>, declaredLength: Int, codec: CompressionCodec,
                                into output: inout [UInt8]) throws(CorruptData) {
        let start = output.count
        // A first guess; the region doubles while the decoder keeps producing, up to one byte past the claim.
        var capacity = min(declaredLength + 1, max(1 << 16, payload.count * 4))
        output.append(contentsOf: repeatElement(0, count: capacity))
        let decoder = try FrameDecoder(codec)
        defer { decoder.close() }
        var consumed = 0
        var produced = 0
        while true {
            let step = body.withUnsafeBytes { whole in
                output.withUnsafeMutableBytes { out in
                    decoder.step(input: UnsafeRawBufferPointer(rebasing: whole[payload]), consumed: &consumed,
                                 output: UnsafeMutableRawBufferPointer(rebasing: out[start..<(start + capacity)]), produced: &produced)
                }
            }
            switch step {
            case .finished:
                guard produced == declaredLength else {
                    throw CorruptData("a \(codec.name) buffer holds \(produced) bytes, not the \(declaredLength) its length says")
                }
                output.removeLast(capacity - produced)
                return
            case .outputFull:
                guard capacity <= declaredLength else {
                    throw CorruptData("a \(codec.name) buffer holds more than the \(declaredLength) bytes its length says")
                }
                let growth = min(capacity, declaredLength + 1 - capacity)
                output.append(contentsOf: repeatElement(0, count: growth))
                capacity += growth
            case .truncated:
                throw CorruptData("a \(codec.name) buffer ends in the middle of its data (truncated?)")
            case .failed(let reason):
                throw CorruptData("a \(codec.name) buffer is damaged (\(reason))")
            }
        }
    }
}

/// One streaming lz4-frame or zstd decompression, driven step by step.
private struct FrameDecoder {
    enum Step {
        case finished, outputFull, truncated
        case failed(String)
    }

    private let codec: CompressionCodec
    private var lz4: OpaquePointer?
    private var zstd: OpaquePointer?

    init(_ codec: CompressionCodec) throws(CorruptData) {
        self.codec = codec
        switch codec {
        case .lz4Frame:
            var context: OpaquePointer?
            guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, context != nil else {
                throw CorruptData("cannot start lz4 decompression")
            }
            lz4 = context
        case .zstd:
            guard let context = ZSTD_createDCtx() else { throw CorruptData("cannot start zstd decompression") }
            zstd = context
        }
    }

    func close() {
        if let lz4 { LZ4F_freeDecompressionContext(lz4) }
        if let zstd { ZSTD_freeDCtx(zstd) }
    }

    /// Decodes until the input is used up, the output is full, or an error.
    /// Several frames back to back are read as one stream of bytes.
    func step(input: UnsafeRawBufferPointer, consumed: inout Int, output: UnsafeMutableRawBufferPointer,
              produced: inout Int) -> Step {
        guard let source = input.baseAddress, let target = output.baseAddress else {
            return input.isEmpty ? .truncated : .outputFull
        }
        while true {
            let inputBefore = consumed
            let outputBefore = produced
            var frameDone = false
            switch codec {
            case .lz4Frame:
                var sourceSize = input.count - consumed
                var targetSize = output.count - produced
                let hint = LZ4F_decompress(lz4, target + produced, &targetSize, source + consumed, &sourceSize, nil)
                if LZ4F_isError(hint) != 0 { return .failed(String(cString: LZ4F_getErrorName(hint))) }
                consumed += sourceSize
                produced += targetSize
                frameDone = hint == 0
            case .zstd:
                var inBuffer = ZSTD_inBuffer(src: source, size: input.count, pos: consumed)
                var outBuffer = ZSTD_outBuffer(dst: target, size: output.count, pos: produced)
                let hint = ZSTD_decompressStream(zstd, &outBuffer, &inBuffer)
                if ZSTD_isError(hint) != 0 { return .failed(String(cString: ZSTD_getErrorName(hint))) }
                consumed = inBuffer.pos
                produced = outBuffer.pos
                frameDone = hint == 0
            }
            if frameDone && consumed == input.count { return .finished }
            if produced == output.count { return .outputFull }
            if consumed == input.count || (consumed == inputBefore && produced == outputBefore) { return .truncated }
        }
    }
}
