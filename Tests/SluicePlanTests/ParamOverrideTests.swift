import Testing
@testable import SluicePlan

@Suite("ParamOverride")
struct ParamOverrideTests {
    let params = JSON.object([
        ("forecast", .object([("horizon_hours", .int(24)), ("alpha", .double(0.5)), ("enabled", .bool(true)), ("model", .string("naive"))])),
        ("tickers", .array([.string("AAPL"), .string("MSFT")])),
    ])

    @Test(arguments: [
        ("forecast.horizon_hours=48", "forecast", "horizon_hours", JSON.int(48)),
        ("forecast.alpha=1", "forecast", "alpha", JSON.double(1)),
        ("forecast.enabled=false", "forecast", "enabled", JSON.bool(false)),
        ("forecast.model=a=b", "forecast", "model", JSON.string("a=b")),
    ])
    func replacesTypedByTheOldValue(argument: String, section: String, key: String, expected: JSON) throws {
        let result = try ParamOverride.apply([argument], to: params)
        #expect(result[section]?[key] == expected)
    }

    @Test func listsTakeJSON() throws {
        let result = try ParamOverride.apply([#"tickers=["NVDA"]"#, "tickers.0=AMD"], to: params)
        #expect(result["tickers"] == .array([.string("AMD")]))
    }

    @Test(arguments: [
        ("forecast.horizon_hours=two", "params.forecast.horizon_hours is an integer"),
        ("forecast.horizn=3", "params.forecast has no key \"horizn\""),
        ("nothing", "needs the form key.path=value"),
        ("forecast..x=1", "empty name"),
        ("tickers=AAPL", "is a list"),
        ("forecast.model.x=1", "is a single value"),
        ("tickers.5=X", "is not an index"),
    ])
    func refusesWithAClearMessage(argument: String, fragment: String) {
        do {
            _ = try ParamOverride.apply([argument], to: params)
            Issue.record("accepted \(argument)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }
}

@Suite("ParamOverride keeps types")
struct ParamOverrideRangeTests {
    let params = JSON.object([("l", .array([.double(1)])), ("n", .int(1)), ("x", .double(1))])

    @Test(arguments: ["l=[1e999]", "n=12345678901234567890", "x=1e999", "l=[12345678901234567890]"])
    func aValueThatCannotKeepItsTypeIsRefused(argument: String) {
        #expect(throws: ParamOverride.Failure.self) { try ParamOverride.apply([argument], to: params) }
        do { _ = try ParamOverride.apply([argument], to: params) } catch {
            #expect(error.message.hasPrefix("--param " + argument.prefix { $0 != "=" }), "\(error.message)")
        }
    }
}
