// The arrow target: the whole Arrow reader on arbitrary bytes — file and
// stream framing, FlatBuffers metadata, lz4 and zstd bodies, dictionary
// batches and deltas, large and view strings, every accepted type and its
// conversion. Any input must give batches or an ArrowFormatError, never a
// trap; every batch it gives must be whole (each column as long as the batch).
import SluiceColumnar

#if canImport(Glibc)
import Glibc
#endif

/// A per-process scratch file: the reader reads files (tmpfs when there is one).
let arrowScratchPath: String = {
    let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    return "\(directory)/sluice-fuzz-arrow-\(getpid()).arrow"
}()

func fuzzArrow(_ input: UnsafeBufferPointer<UInt8>) {
    let descriptor = open(arrowScratchPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
    guard descriptor >= 0 else { fatalError("cannot create \(arrowScratchPath)") }
    var written = 0
    while written < input.count, let base = input.baseAddress {
        let count = write(descriptor, base + written, input.count - written)
        guard count > 0 else { fatalError("cannot write \(arrowScratchPath)") }
        written += count
    }
    close(descriptor)

    guard let reader = try? ArrowReader.open(path: arrowScratchPath) else { return }
    let width = reader.schema.columns.count
    while let batch = try? reader.nextBatch() {
        guard batch.columns.count == width, batch.columns.allSatisfy({ $0.count == batch.rowCount }) else {
            fatalError("a batch whose columns and row count disagree")
        }
        // Every cell, so a short buffer behind a valid-looking batch traps here.
        _ = batch.rows
    }
}
