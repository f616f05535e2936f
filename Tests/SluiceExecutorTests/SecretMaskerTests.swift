import Testing
@testable import SluiceExecutor
@testable import SluicePlan

/// The masker matches the forms Sluice derives from a secret and masks
/// before it shortens.
@Suite("SecretMasker derived forms")
struct SecretMaskerTests {
    let secret = #"ab"cd\ef'gh$ij`kl"#
    var masker: SecretMasker { SecretMasker(values: [secret]) }

    @Test func masksTheEscapedAndQuotedForms() {
        let forms = [
            secret,
            JSON.string(secret).compact(),
            #""ab\"cd\\ef'gh\$ij\`kl""#,
            #"'ab"cd\ef'"'"'gh$ij`kl'"#,
            #"'ab"cd\ef'\''gh$ij`kl'"#,
            "prefix" + secret + "suffix",
        ]
        for form in forms {
            #expect(!masker.mask(form).contains("ab"), "\(form) -> \(masker.mask(form))")
            #expect(masker.mask(form).contains(SecretMasker.mask))
        }
    }

    @Test func masksBeforeItShortens() {
        let long = String(repeating: "Zq8Xw3", count: 20)
        let masker = SecretMasker(values: [long])
        #expect(masker.shortened("value: " + long, limit: 40) == "value: ***")
        #expect(masker.quoted("value: " + long, limit: 20) == #""value: ***""#)
        #expect(masker.quoted(JSON.array([.string(long + #"""#)]), limit: 20) == #""[\"***\\\"\"]""#)
        #expect(SecretMasker.noSecrets.shortened(long, limit: 10) == "Zq8Xw3Zq8…")
    }
}
