import LakeCore
import Columnar
import Testing
@testable import Query

func text(_ body: (inout [UInt8]) -> Void) -> String {
    var out: [UInt8] = []
    body(&out)
    return String(decoding: out, as: UTF8.self)
}

@Suite struct ValueTextTests {
    @Test func dates() {
        #expect(text { ValueText.appendDate(days: 0, to: &$0) } == "1970-01-01")
        #expect(text { ValueText.appendDate(days: -25567, to: &$0) } == "1900-01-01")
        #expect(text { ValueText.appendDate(days: -1, to: &$0) } == "1969-12-31")
        #expect(text { ValueText.appendDate(days: 20418, to: &$0) } == "2025-11-26")
        #expect(ValueText.days(year: 2026, month: 11, day: 26) == 20418 + 365)
    }

    @Test func timestamps() {
        #expect(text { ValueText.appendTimestamp(micros: 0, utc: true, to: &$0) } == "1970-01-01T00:00:00Z")
        #expect(text { ValueText.appendTimestamp(micros: -1, utc: true, to: &$0) } == "1969-12-31T23:59:59.999999Z")
        #expect(text { ValueText.appendTimestamp(micros: 1_764_115_200_000_010, utc: false, to: &$0) } == "2025-11-26T00:00:00.000010")
    }

    @Test func decimalsAreExact() {
        #expect(text { ValueText.appendDecimal(12345, scale: 2, to: &$0) } == "123.45")
        #expect(text { ValueText.appendDecimal(-5, scale: 3, to: &$0) } == "-0.005")
        #expect(text { ValueText.appendDecimal(0, scale: 2, to: &$0) } == "0.00")
        #expect(text { ValueText.appendDecimal(7, scale: 0, to: &$0) } == "7")
        var max: Int128 = 1
        for _ in 0..<38 { max *= 10 }
        #expect(text { ValueText.appendDecimal(-(max - 1), scale: 10, to: &$0) }
                == "-9999999999999999999999999999.9999999999")
    }

    @Test func floatsAreShortestRoundTrip() {
        #expect(text { ValueText.appendFloat(Float(0.1), to: &$0) } == "0.1")
        #expect(text { ValueText.appendFloat(0.1 + 0.2, to: &$0) } == "0.30000000000000004")
        #expect(text { ValueText.appendFloat(-0.0, to: &$0) } == "-0.0")
        #expect(text { ValueText.appendFloat(Double.nan, to: &$0) } == "NaN")
        #expect(text { ValueText.appendFloat(-Double.infinity, to: &$0) } == "-Infinity")
    }

    @Test func base64() {
        for (input, expected) in [([UInt8](), ""), ([0], "AA=="), ([0, 255], "AP8="), (Array("abc".utf8), "YWJj")] {
            #expect(text { out in input.withUnsafeBytes { ValueText.appendBase64($0, to: &out) } } == expected)
        }
    }

    @Test func jsonEscaping() {
        let raw = Array("a\"b\\c\nd\u{1}é".utf8)
        #expect(text { out in raw.withUnsafeBytes { JSONText.appendEscaped($0, to: &out) } } == #"a\"b\\c\nd\u0001é"#)
        let invalid: [UInt8] = [0x61, 0xFF]
        #expect(text { out in invalid.withUnsafeBytes { JSONText.appendEscaped($0, to: &out) } } == "a\u{FFFD}")
    }
}

@Suite struct RowPrinterTests {
    @Test func csvQuotesOnlyWhatNeedsIt() {
        #expect(text { RowPrinter.appendDelimited(Array("plain".utf8), delimiter: 44, emptyQuoted: true, to: &$0) } == "plain")
        #expect(text { RowPrinter.appendDelimited(Array("a,b".utf8), delimiter: 44, emptyQuoted: true, to: &$0) } == "\"a,b\"")
        #expect(text { RowPrinter.appendDelimited(Array("say \"hi\"".utf8), delimiter: 44, emptyQuoted: true, to: &$0) }
                == "\"say \"\"hi\"\"\"")
        #expect(text { RowPrinter.appendDelimited([], delimiter: 44, emptyQuoted: true, to: &$0) } == "\"\"")
    }

    @Test func nestedValuesAsJSON() throws {
        let column = try Column(.map(key: .long, value: .string, valueContainsNull: true),
                                [.map([(key: .int(1), value: .string("a")), (key: .int(2), value: .null)])])
        #expect(text { ColumnText.appendJSON(column, 0, to: &$0) } == #"[{"key":1,"value":"a"},{"key":2,"value":null}]"#)
        let list = try Column(.array(element: .date, containsNull: true), [.list([.int(0), .null])])
        #expect(text { ColumnText.appendText(list, 0, to: &$0) } == #"["1970-01-01",null]"#)
    }
}
