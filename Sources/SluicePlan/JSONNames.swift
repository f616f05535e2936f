import SluiceBasics

// The plan's values are `SluiceBasics.JSON`, the one JSON value of Sluice;
// these names let every reader of the plan use it without importing SluiceBasics.
public typealias JSON = SluiceBasics.JSON
public typealias JSONParseError = SluiceBasics.JSONParseError
