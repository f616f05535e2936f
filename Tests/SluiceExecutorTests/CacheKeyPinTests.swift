import Foundation
import Testing
import SluicePlan
import SluiceBasics
@testable import SluiceExecutor

/// Cache keys and manifest lines are stored in users' workspaces: a key
/// spelled differently misses every entry made before it. These digests and
/// lines were computed by the code of f2cea25 (before the key and the
/// manifest were written as bytes) and must never change unless
/// `CacheKey.formatVersion` or `CacheManifest.formatVersion` does.
///
/// The pipeline: `up` (unmapped, writes `n`), `each` mapped over the param
/// `xs` (a structured item and a string holding a secret), reading a param
/// that holds the secret, one too long to show whole, one absent, `up.n`,
/// an env holding a reference, a secret env, a deps file and a missing one;
/// `after`, unmapped, reading the mapped `each.n`.
private let secretValue = "s3cr3t"

private func pinnedPlan() -> Plan {
    let upN = OutputReference(task: "up", output: "n", type: .int, mapped: false)
    let eachN = OutputReference(task: "each", output: "n", type: .list(.int), mapped: true)
    let up = PlanTask(id: "up", kind: .command, run: Template([.text("echo 5")]), outputs: [PlanOutput(name: "n", type: .int)])
    let each = PlanTask(
        id: "each", kind: .command, needs: ["up"],
        run: Template([.text("echo "), .reference(.item), .text(" \"with\" "), .reference(.param(["greeting"])), .text(" "),
                       .reference(.output(upN)), .text(" é\n")]),
        foreach: .param(["xs"]),
        outputs: [PlanOutput(name: "n", type: .int), PlanOutput(name: "label", type: .string)],
        env: [EnvVariable(name: "MODE", value: Template([.text("m-"), .reference(.param(["level"]))])),
              EnvVariable(name: "TOKEN", value: Template([.text("ignored")]))],
        deps: ["data/input.txt", "data/missing.txt"],
        reads: Reads(params: ["greeting", "level", "long", "nowhere.at.all", "xs"], outputs: [upN]))
    let after = PlanTask(id: "after", kind: .command, needs: ["each"], run: Template([.text("echo "), .reference(.output(eachN))]),
                         reads: Reads(outputs: [eachN]))
    let params: JSON = .object([("greeting", .string("hello \(secretValue)")), ("level", .int(3)),
                                ("long", .string(String(repeating: "0123456789", count: 25) + secretValue)),
                                ("xs", .array([.object([("a", .int(1)), ("b", .string("x\ty"))]), .string("two \(secretValue)")]))])
    return plan([up, each, after], params: params, secrets: ["TOKEN"])
}

/// `up` writes `n=5`; each instance of `each` writes its index and a label with a quote.
private func pinnedBehaviour(_ request: ProcessRequest, _ attempt: Int) -> FakeBehaviour {
    if request.command == "echo 5" { return FakeBehaviour(outputs: "n=5") }
    if request.command.hasPrefix("echo ") && request.command.contains("with") {
        return FakeBehaviour(outputs: "n=\(request.command.contains("two") ? 2 : 1)\nlabel=say \"hi\"")
    }
    return FakeBehaviour()
}

/// The components both instances of `each` share: the params and upstream value they read (before the item),
/// then env, deps, the upstream task and the declared outputs (after it).
private let eachReads = [
    #""kind":"param","name":"greeting","digest":"2478bbd271b602fb37948f6f7e2043efee9582bd6c34dec2f88f679b87bedb8e","display":"\"hello ***\""},{"#,
    #""kind":"param","name":"level","digest":"4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce","display":"3"},{"#,
    #""kind":"param","name":"long","digest":"57e3c7c01575b9553f7aa7c6353baee643e7d342fc8e4884d53932f1979362e9","display":"\"012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567…"},{"#,
    #""kind":"param","name":"nowhere.at.all","digest":"d49b7aa9e721ee8da26b8e9f005e6b1a4324689d4369a51ad6e28d7ce277c18c","display":"(absent)"},{"#,
    #""kind":"value","name":"up.n","digest":"ef2d127de37b942baad06145e54b0c619a1f22327b2ebbcfbec78f5564afe39d","display":"5"},{"#
]
private let eachAfterItem = [
    #""kind":"env","name":"MODE","digest":"6a7199fb975097d0335b121ef4a2179775fc23a2ef3a3bfff573c19b1e37c525","display":"m-3"},{"#,
    #""kind":"env","name":"TOKEN","digest":"7c8cc910759bf004c2a3e02379c08e20d1215469f19c0f5831879acfc2089387","display":"(secret)"},{"#,
    #""kind":"deps","name":"data/input.txt","digest":"1e6515a36038bf8bf6f4eae8e53002da0ad74403fbe89853f05575287b9a5053","display":"632c3f592af0"},{"#,
    #""kind":"deps","name":"data/missing.txt","digest":"ffa63583dfa6706b87d284b86b0d693a161e4840aad2c5cf6b5d27c3b9621f7d","display":"missing"},{"#,
    #""kind":"upstream","name":"up","digest":"5da3cc49f674a45d985a924a918765e6ca219f5b037f6f2eb9e3366e6531e9d8","display":"ok 6ec9779eefb4"},{"#,
    #""kind":"outputs","name":"declared","digest":"bff2600d6e5afdee0b81a66517342490463f589dcb239df0f5fea5608347fba9","display":""}]}"#
]

/// Per instance (`up`, `each` 0 and 1, `after`): the key digest and the manifest text `storedText()` wrote at f2cea25.
private let pinned: [(key: String, stored: [String])] = [
    (key: "6ec9779eefb49e1b24dfe45797b51c3d18dd7ec29d98d37cb39578e6031cc773",
     stored: [
        #"{"version":2,"key":"6ec9779eefb49e1b24dfe45797b51c3d18dd7ec29d98d37cb39578e6031cc773","run_id":"run-pinned","outputs":{"n":7,"label":"say \"hi\""},"artifacts":[],"sha256":"f3db67355ddaa18c76f5ee6f0909c96c302e4d9466e10cd0fa6c2f3b83b6f6be"}"#,
        #"{"version":2,"key":"6ec9779eefb49e1b24dfe45797b51c3d18dd7ec29d98d37cb39578e6031cc773","pipeline":"p","task":"t","map_index":null,"run_id":"run-pinned","created":"2026-11-18T11:06:41.000Z","components":[{"kind":"task","name":"up","digest":"ab767d226988a57949076999d7abef1a4bc5530d7b2e75aaa4b803f112dc1a4d","display":"up"},{"#,
        #""kind":"command","name":"run","digest":"c2e18a13ee75db4bb9ea29895548e20413152430e4c53ba661ef48befab0eaa7","display":"echo 5"},{"#,
        #""kind":"outputs","name":"declared","digest":"baf085d8cc24cae8b9fb96a2a0fa333ffe184df7aaed94ea7b7e55a5b5cf3b77","display":""}]}"#
     ]),
    (key: "caa095156df1958f519c5157e4bc160f3237dd67e92a9c8df33746b02a7d924f",
     stored: [
        #"{"version":2,"key":"caa095156df1958f519c5157e4bc160f3237dd67e92a9c8df33746b02a7d924f","run_id":"run-pinned","outputs":{"n":0,"label":"say \"hi\""},"artifacts":[],"sha256":"dac0c51286a4adbfe310a136948ebdb748a88526ab5fc55fc93ee2f08b827d45"}"#,
        #"{"version":2,"key":"caa095156df1958f519c5157e4bc160f3237dd67e92a9c8df33746b02a7d924f","pipeline":"p","task":"t","map_index":0,"run_id":"run-pinned","created":"2026-11-18T11:06:41.000Z","components":[{"kind":"task","name":"each","digest":"4ba3b62c0ea896143bf3de74d7dc33a4c43ad38543099efc9e906a099e1e412d","display":"each"},{"#,
        #""kind":"command","name":"run","digest":"7b286343ab50504ff9181f91200d4b6286236126f4a4c5dc9ba63b69d7920593","display":"echo '{\"a\":1,\"b\":\"x\\ty\"}' \"with\" 'hello ***' 5 é\\n"},{"#
     ] + eachReads + [
        #""kind":"item","name":"item","digest":"fdb70c6835542f327dfbe5d36841f377acba2f7d0b0ba4b6dec76a7f8ead98ea","display":"{\"a\":1,\"b\":\"x\\ty\"}"},{"#
     ] + eachAfterItem),
    (key: "14f8425866a5c269b5775627c50f7fdaef718f49944515d1ccb84c99acb7b609",
     stored: [
        #"{"version":2,"key":"14f8425866a5c269b5775627c50f7fdaef718f49944515d1ccb84c99acb7b609","run_id":"run-pinned","outputs":{"n":1,"label":"say \"hi\""},"artifacts":[],"sha256":"4d59bc07b2604fff9fd64ee0b1138943a8ad60fa3875880269c67885e9319447"}"#,
        #"{"version":2,"key":"14f8425866a5c269b5775627c50f7fdaef718f49944515d1ccb84c99acb7b609","pipeline":"p","task":"t","map_index":1,"run_id":"run-pinned","created":"2026-11-18T11:06:41.000Z","components":[{"kind":"task","name":"each","digest":"4ba3b62c0ea896143bf3de74d7dc33a4c43ad38543099efc9e906a099e1e412d","display":"each"},{"#,
        #""kind":"command","name":"run","digest":"e5e223c26e3b9c513737d8fa4fcf69e4dab1df9b7184474a181ce2de9f7e46a2","display":"echo 'two ***' \"with\" 'hello ***' 5 é\\n"},{"#
     ] + eachReads + [
        #""kind":"item","name":"item","digest":"d4bdf8c3f310c7ed7d8e13fc92dceac44b1e71e00bb67be60fb6ce7b9b077364","display":"\"two ***\""},{"#
     ] + eachAfterItem),
    (key: "596e45b46dfb14f0b2dc0b4bad5dd269bdd3e6a4356c5a750afb470face8cd32",
     stored: [
        #"{"version":2,"key":"596e45b46dfb14f0b2dc0b4bad5dd269bdd3e6a4356c5a750afb470face8cd32","run_id":"run-pinned","outputs":{"n":7,"label":"say \"hi\""},"artifacts":[],"sha256":"0a18d15cfd9640be5603397b7d8f5179a0341b7db9fa60aef4d806e04c6e1b8c"}"#,
        #"{"version":2,"key":"596e45b46dfb14f0b2dc0b4bad5dd269bdd3e6a4356c5a750afb470face8cd32","pipeline":"p","task":"t","map_index":null,"run_id":"run-pinned","created":"2026-11-18T11:06:41.000Z","components":[{"kind":"task","name":"after","digest":"f56968693fd3d6f859f574050a8f545cd8cc187c9e2a629616faa3e73927d59e","display":"after"},{"#,
        #""kind":"command","name":"run","digest":"b17700a2d43e880403324b75405fb123e715414aebbf11d7c20c4d612eac65be","display":"echo 1 2"},{"#,
        #""kind":"value","name":"each.n","digest":"49a64717d5d4cb19952e6eac2946415cf6879adacf9908e7d872332d32c6e684","display":"[1,2]"},{"#,
        #""kind":"upstream","name":"each","digest":"ecdb97ea8bc0e637a043373edf02f4f8b5f91d070355607cdc1e1fcf151f9ae2","display":"2 instances"},{"#,
        #""kind":"outputs","name":"declared","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","display":""}]}"#
     ]),
]

@Test func cacheKeysAndManifestLinesAreTheOnesEarlierVersionsStored() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try FileManager.default.createDirectory(atPath: dir.path + "/data", withIntermediateDirectories: true)
    try Data("input bytes\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/data/input.txt"))
    let options = RunOptions(environment: ["PATH": "/usr/bin:/bin", "TOKEN": secretValue])
    let (executor, _) = try executorWithFake(pinnedPlan(), in: dir, options: options, behaviour: pinnedBehaviour)
    let result = try executor.run()
    #expect(result.state == .success)
    let instances = [(InstanceRef(task: 0, mapIndex: nil), InstanceKey(task: "up")),
                     (InstanceRef(task: 1, mapIndex: 0), InstanceKey(task: "each", mapIndex: 0)),
                     (InstanceRef(task: 1, mapIndex: 1), InstanceKey(task: "each", mapIndex: 1)),
                     (InstanceRef(task: 2, mapIndex: nil), InstanceKey(task: "after"))]
    let packs = dir.path + "/.sluice/cache/packs"
    let packText = try FileManager.default.contentsOfDirectory(atPath: packs)
        .map { try String(contentsOfFile: packs + "/" + $0, encoding: .utf8) }.joined()
    for ((ref, name), expected) in zip(instances, pinned) {
        let key = try #require(executor.computeKey(ref))
        #expect(key.digest == expected.key, "\(name)")
        #expect(result.record.instance(name)?.cacheKey == expected.key, "the key the run journaled for \(name)")
        // Written with a fixed run and time, so the whole text (and the first line's seal) can be pinned.
        let manifest = CacheManifest(key: key.digest, pipeline: "p", task: "t", mapIndex: ref.mapIndex, runID: "run-pinned",
                                     created: 1_795_000_001_000_000,
                                     outputs: .object([("n", .int(Int64(ref.mapIndex ?? 7))), ("label", .string("say \"hi\""))]),
                                     artifacts: [], components: key.components)
        let stored = expected.stored[0] + "\n" + expected.stored.dropFirst().joined() + "\n"
        #expect(manifest.storedText() == stored, "\(name)")
        #expect(manifest.sealedLine() == expected.stored[0])
        // The entry the run itself published names the same components (its run and time are its own).
        let components = try #require(expected.stored[1].range(of: #","components":"#))
        let tail = String(expected.stored[1][components.lowerBound...]) + expected.stored.dropFirst(2).joined()
        #expect(packText.contains(tail + "\n"), "the pack holds \(name)'s components")
    }
}

/// A pack writes its entries one after another, copying a component equal to
/// the last one of its kind (`CacheManifest.WrittenComponents`): the same
/// text as each entry written alone, whichever kinds repeat, differ or come back.
@Test func entriesWrittenOneAfterAnotherAreEachEntrysOwnText() {
    func component(_ kind: KeyComponent.Kind, _ name: String, _ display: String) -> KeyComponent {
        KeyComponent(kind: kind, name: name, digest: CacheKey.sha256(name + display), display: display)
    }
    let declared = component(.outputs, "declared", "")
    let componentLists: [[KeyComponent]] = [
        [component(.task, "each", "each"), component(.command, "run", "echo 0"), component(.item, "item", "0"), declared],
        [component(.task, "each", "each"), component(.command, "run", "echo 1"), component(.item, "item", "1"), declared],
        [component(.task, "other", "other"), component(.command, "run", "echo \"q\""), component(.outputs, "declared", "x")],
        [component(.task, "each", "each"), component(.item, "item", "2"), declared],
        [component(.command, "run", "only")],
    ]
    let manifests = componentLists.enumerated().map { index, components in
        CacheManifest(key: CacheKey(components: components).digest, pipeline: "p", task: "t", mapIndex: index, runID: "r",
                      created: 1_795_000_001_000_000, outputs: .object([]), artifacts: [], components: components)
    }
    var pack = JSONBytesWriter(pretty: false)
    var written = CacheManifest.WrittenComponents()
    for manifest in manifests { manifest.writeStored(to: &pack, reusing: &written) }
    #expect(String(decoding: pack.bytes, as: UTF8.self) == manifests.map { $0.storedText() }.joined())
}
