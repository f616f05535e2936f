import SluicePlan

/// The environment every attempt of a plan starts from, read once per run
/// (or per `sluice task-run`): the inherited variables, `env_file` entries the
/// environment does not already set (dotenv's rule), the secrets' values for
/// masking, and `PATH` with the tool directory first. `AttemptRunner` adds a
/// task's `env:` and the `SLUICE_*` variables on top.
struct TaskEnvironment: Sendable {
    /// `KEY=VALUE`, sorted by key, without `PATH` and `SLUICE_*`: made into
    /// C strings once, for every attempt whose `env:` replaces none of them.
    var inherited = CStringList([])
    /// The tool directory (when given), then the inherited `PATH` (or a default).
    var path = ""
    /// Put first on every task's PATH, also when `env:` sets its own PATH.
    var toolDirectory: String?
    var masker = SecretMasker(values: [])
    /// Secrets the plan names that have no value anywhere (worth a warning).
    var unsetSecrets: [String] = []

    /// Nothing read yet: before a run prepares, no task can start.
    init() {}

    init(plan: Plan, workspace: String, inheriting environment: [String: String], toolDirectory: String?) throws(ExecutorError) {
        var environment = environment
        if let envFile = plan.envFile {
            let path = envFile.hasPrefix("/") ? envFile : workspace + "/" + envFile
            let entries: [(String, String)]
            do { entries = try EnvFile.load(path: path) } catch { throw ExecutorError(error.description) }
            for (name, value) in entries where environment[name] == nil { environment[name] = value }
        }
        var secretValues: [String] = []
        for name in plan.secrets {
            if let value = environment[name], !value.isEmpty { secretValues.append(value) } else { unsetSecrets.append(name) }
        }
        masker = SecretMasker(values: secretValues)
        self.toolDirectory = toolDirectory
        path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        if let toolDirectory { path = toolDirectory + ":" + path }
        inherited = CStringList(environment.filter { $0.key != "PATH" && !$0.key.hasPrefix("SLUICE_") }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" })
    }
}
