import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a `run`, `env` or `foreach` could not be rendered; the attempt fails with it.
struct RenderError: Error, Equatable, Sendable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The values a template may refer to, for one task instance.
struct RenderContext {
    var params: JSON
    var runID: String
    var runDate: String
    var item: JSON?
    var index: Int?
    /// An upstream output as the consumer sees it (a list for a mapped
    /// producer) and the type it has there.
    var output: (OutputReference) throws(RenderError) -> (JSON, ValueType)
    /// The instance being rendered, as messages name it (`download[AAPL]`).
    var instance: String? = nil
}

/// Fills a template's references with values: quoted shell words for `run`,
/// plain text for `env`.
enum TemplateRenderer {
    static func shellCommand(_ template: Template, _ context: RenderContext) throws(RenderError) -> String {
        try shellCommand(template, context, spots: shellSpots(template))
    }

    /// The spot of each reference of `run`, judged from the command's text
    /// alone: the same for every instance and attempt of a task, so the
    /// executor judges it once per task (`Executor.runSpots`) and passes it in.
    static func shellSpots(_ template: Template) -> [ShellSpot] {
        ShellSpots.classify(ShellSpots.texts(of: template))
    }

    /// `spots` must be `shellSpots(template)`.
    static func shellCommand(_ template: Template, _ context: RenderContext, spots: [ShellSpot]) throws(RenderError) -> String {
        // Every spot is judged from the command's text before any value is
        // looked at: a command with an unsafe spot never runs, whatever its values.
        // (The references, an array made on each call, are gathered only to name one.)
        if spots.contains(where: { if case .unsafe = $0 { true } else { false } }) {
            for (reference, spot) in zip(template.references, spots) {
                guard case .unsafe(let place) = spot else { continue }
                throw RenderError("unsafe reference \(reference.written) in \"run\": it sits \(place); a value there could run as shell code. "
                                  + "Pass it through env: and use \"$NAME\" in the command")
            }
        }
        var out = ""
        var index = 0
        for segment in template.segments {
            switch segment {
            case .text(let text):
                out += text
            case .reference(let reference):
                let (value, type) = try resolve(reference, context)
                let spot = index < spots.count ? spots[index] : .unsafe("where the command's text could not be judged")
                index += 1
                do {
                    out += try ValueRendering.render(value, type: type, in: spot)
                } catch {
                    throw RenderError("unsafe reference \(reference.written) in \"run\": it \(error.message). "
                                      + "Pass it through env: and use \"$NAME\" in the command, after checking it is a number")
                }
            }
        }
        // A NUL would cut the C string handed to /bin/sh short, and with it a quoted word.
        guard !out.containsByte(0) else { throw RenderError("a substituted value holds a NUL byte, which a command cannot carry") }
        return out
    }

    static func plainText(_ template: Template, _ context: RenderContext) throws(RenderError) -> String {
        var out = ""
        for segment in template.segments {
            switch segment {
            case .text(let text): out += text
            case .reference(let reference):
                out += ValueRendering.plainText(try resolve(reference, context).0)
            }
        }
        guard !out.containsByte(0) else { throw RenderError("a substituted value holds a NUL byte, which the environment cannot carry") }
        return out
    }

    /// The value behind a reference and the type to render it by (nil: by its JSON kind).
    static func resolve(_ reference: Reference, _ context: RenderContext) throws(RenderError) -> (JSON, ValueType?) {
        switch reference {
        case .param(let path):
            return (try lookupParam(path, in: context.params), nil)
        case .output(let output):
            let (value, type) = try context.output(output)
            return (value, type)
        case .item:
            guard let item = context.item else { throw RenderError("{{ item }} is only defined inside a foreach task") }
            return (item, nil)
        case .itemField(let path):
            guard let item = context.item else { throw RenderError("{{ item }} is only defined inside a foreach task") }
            return (try field(path, of: item, context), nil)
        case .index:
            guard let index = context.index else { throw RenderError("{{ index }} is only defined inside a foreach task") }
            return (.int(Int64(index)), .int)
        case .runID:
            return (.string(context.runID), .string)
        case .runDate:
            return (.string(context.runDate), .string)
        }
    }

    /// A map instance's label: the task's `label` rendered for it, masked
    /// and made safe to show (`InstanceKey.displayLabel`); the default label
    /// without one. A label that cannot be rendered falls back to the default
    /// here; the attempt itself then fails saying why (`AttemptRunner`).
    static func instanceLabel(_ task: PlanTask, _ context: RenderContext, masker: SecretMasker) -> String {
        let index = context.index ?? 0
        if let template = task.label, let text = try? plainText(template, context) {
            return InstanceKey.displayLabel(masker.mask(text), index: index)
        }
        return InstanceKey.defaultLabel(masker.mask(context.item ?? .null), index: index)
    }

    /// A field of a structured item: a key of a mapping, a digit index of a
    /// list, level by level. A missing one fails the instance, naming it,
    /// the field and what the item holds there.
    static func field(_ path: [String], of item: JSON, _ context: RenderContext) throws(RenderError) -> JSON {
        var value = item
        for (depth, key) in path.enumerated() {
            let next: JSON?
            let has: String
            switch value {
            case .object(let members):
                next = value[key]
                has = members.isEmpty ? "no fields" : "fields " + members.prefix(10).map { $0.0 }.joined(separator: ", ")
            case .array(let items):
                next = Int(key).flatMap { $0 >= 0 && $0 < items.count ? items[$0] : nil }
                has = "\(items.count) element\(items.count == 1 ? "" : "s")"
            case .string: next = nil; has = "a string"
            case .int, .double: next = nil; has = "a number"
            case .bool: next = nil; has = "a boolean"
            case .null: next = nil; has = "null"
            }
            guard let found = next else {
                let at = (["item"] + path[...depth]).joined(separator: ".")
                let whose = depth == 0 ? "the item" : "item." + path[..<depth].joined(separator: ".")
                throw RenderError("{{ \(at) }}: \(whose) of \(context.instance ?? "this instance") has no field \"\(key)\" (it has \(has))")
            }
            value = found
        }
        return value
    }

    static func lookupParam(_ path: [String], in params: JSON) throws(RenderError) -> JSON {
        var value = params
        for (depth, key) in path.enumerated() {
            let next: JSON?
            switch value {
            case .object: next = value[key]
            case .array(let items): next = Int(key).flatMap { $0 >= 0 && $0 < items.count ? items[$0] : nil }
            default: next = nil
            }
            guard let found = next else {
                let at = (["params"] + path[...depth]).joined(separator: ".")
                throw RenderError("\(at) is not in the plan's params")
            }
            value = found
        }
        return value
    }
}

extension String {
    /// Whether the UTF-8 holds `byte`, searched with `memchr` in the string's
    /// own storage: a rendered command is checked for a NUL, a key's display
    /// for a newline, on every instance (through `String.UTF8View` each byte
    /// cost a dozen instructions).
    func containsByte(_ byte: UInt8) -> Bool {
        let found = utf8.withContiguousStorageIfAvailable { bytes in
            guard let start = bytes.baseAddress, !bytes.isEmpty else { return false }
            return memchr(start, Int32(byte), bytes.count) != nil
        }
        return found ?? utf8.contains(byte)
    }
}
