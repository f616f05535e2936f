#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's environment as a dictionary, as `ProcessInfo.environment`
/// gives it (an entry without `=` is skipped; a name given twice keeps its
/// last value), read from `environ` here: Foundation's getter cost 0.75M
/// instructions on the way to a run's first task (about a tenth of a
/// one-task run's own work), most of it finding the metadata of its
/// `[String: String]` by name at run time, which this module's code does not.
enum ProcessEnvironment {
    static func current() -> [String: String] {
        #if canImport(Darwin)
        guard let entries = _NSGetEnviron()?.pointee else { return [:] }
        #else
        guard let entries = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return [:] }
        #endif
        return parse(UnsafePointer(entries))
    }

    /// `NAME=value` entries of a NULL-terminated vector (`environ`'s shape).
    static func parse(_ entries: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> [String: String] {
        var count = 0
        while entries[count] != nil { count += 1 }
        // Sized once: growing it rehashed every name so far, each time.
        var result = [String: String](minimumCapacity: count)
        var next = entries
        while let entry = next.pointee {
            let text = String(cString: entry)
            if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                result[String(text[..<equals])] = String(text[text.utf8.index(after: equals)...])
            }
            next += 1
        }
        return result
    }
}
