import ArgumentParser

/// `sluice cat FILE.arrow`: print an Arrow IPC file (owned by the columnar work).
struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cat", abstract: "Print an Arrow IPC table.")
    func run() throws {}
}
