import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `bad-reference`: `{{ item.field }}` where the shape of the list's elements
/// is known and an element lacks the field: a list written in params (every
/// element is looked at), or an upstream list of scalars. An upstream
/// `list[json]` may hold anything, so its items' fields are left to run
/// time, where a missing one fails that instance naming the field.
struct UnknownItemField: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, fact) in context.contracts.foreach.enumerated() {
            guard case .reference(let source)? = fact else { continue }
            for reference in context.contracts.references[task] {
                guard case .itemField(let path) = reference.resolution else { continue }
                let place = context.place(reference, task: task)
                let written = "{{ \(reference.scanned.dotted) }}"
                switch source.resolution {
                case .param(let listPath, let entry):
                    guard case .list(let elements) = entry.value else { continue }
                    let list = "params." + listPath.joined(separator: ".")
                    // The first element that lacks the field: one diagnostic per reference.
                    for (i, element) in elements.enumerated() {
                        guard let miss = Self.missing(path, in: element) else { continue }
                        let segment = 1 + miss.depth
                        sink.emit(.badReference, at: context.range(of: reference, segments: segment, segment + 1),
                                  "\(written) \(place): item \(i) of \(list) has no field \(quoted(path[miss.depth]))\(miss.why)",
                                  notes: ["item \(i) of \(list) is set at \(position(element.file, element.range))"],
                                  help: didYouMean(path[miss.depth], among: miss.candidates))
                        break
                    }
                case .output(_, let output):
                    guard case .list(let element) = output.type, element != .json else { continue }
                    sink.emit(.badReference, at: context.range(of: reference, segments: 1, reference.scanned.segments.count),
                              "\(written) \(place): the items of \(output.task).\(output.output) are \(element) values, which have no fields",
                              help: "declare the output list[json] to map over structured items")
                default:
                    continue
                }
            }
        }
    }

    /// Where `path` leaves `entry`: the depth of the missing field, the names
    /// found there (for did-you-mean), and what stood there when it was not a mapping.
    static func missing(_ path: [String], in entry: ParamEntry) -> (depth: Int, candidates: [String], why: String)? {
        var current = entry
        for (depth, key) in path.enumerated() {
            switch current.value {
            case .map(let members):
                guard let found = members.first(where: { $0.key == key }) else { return (depth, members.map(\.key), "") }
                current = found.entry
            case .list(let items):
                guard let index = Int(key), index >= 0, index < items.count else {
                    return (depth, [], " (it is a list of \(items.count))")
                }
                current = items[index]
            case .scalar:
                return (depth, [], " (it is \(current.kindDescription))")
            }
        }
        return nil
    }
}
