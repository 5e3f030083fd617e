import Columnar

extension Predicate {
    /// The rows of `batch` for which the predicate is TRUE. The batch must hold every column
    /// the predicate reads.
    public func select(_ batch: RecordBatch) throws -> [Int] {
        try select(batch, rowCount: batch.rowCount)
    }

    /// The rows for which the predicate is TRUE, for a batch of `rowCount` rows (a batch
    /// without columns still has rows when the predicate reads none).
    public func select(_ batch: RecordBatch, rowCount n: Int) throws -> [Int] {
        guard case .boolean(let values, let validity) = try evaluate(expression, batch, n) else { return [] }
        var out: [Int] = []
        out.reserveCapacity(n)
        for i in 0..<n where values[i] && (validity?[i] ?? true) { out.append(i) }
        return out
    }

    func evaluate(_ e: Expression, _ batch: RecordBatch, _ n: Int) throws -> Vector {
        switch e {
        case .column(let name):
            guard let i = batch.schema.index(of: name) else { throw QueryError("column '\(name)' was not read") }
            return Vector(batch.columns[i])
        case .literal(let l):
            return Vector(l, count: n)
        case .not(let x):
            guard case .boolean(let v, let valid) = try evaluate(x, batch, n) else { return .null(count: n, nested: nil) }
            return .boolean(v.map { !$0 }, valid)
        case .and(let a, let b), .or(let a, let b):
            var isAnd = false
            if case .and = e { isAnd = true }
            let (va, vb) = (try evaluate(a, batch, n), try evaluate(b, batch, n))
            return Self.logic(va, vb, and: isAnd, n)
        case .negate(let x):
            switch try evaluate(x, batch, n) {
            case .integer(let v, let valid): return .integer(v.map { 0 &- $0 }, valid)
            case .decimal(let v, let s, let valid): return .decimal(v.map { -$0 }, scale: s, valid)
            case .double(let v, let valid): return .double(v.map { -$0 }, valid)
            default: return .null(count: n, nested: nil)
            }
        case .arithmetic(let op, let a, let b):
            return try Self.arithmetic(op, try evaluate(a, batch, n), try evaluate(b, batch, n), n)
        case .compare(let op, let a, let b):
            return Self.compare(op, try evaluate(a, batch, n), try evaluate(b, batch, n), n)
        case .isNull(let x, let negated):
            let valid = try evaluate(x, batch, n).validity
            return .boolean((0..<n).map { (valid?[$0] ?? true) == negated }, nil)
        case .inList(let x, let items, let negated):
            let vx = try evaluate(x, batch, n)
            var result: Vector = .boolean(Array(repeating: false, count: n), nil)
            for item in items {
                result = Self.logic(result, Self.compare(.equal, vx, try evaluate(item, batch, n), n), and: false, n)
            }
            if negated, case .boolean(let v, let valid) = result { return .boolean(v.map { !$0 }, valid) }
            return result
        case .between(let x, let lo, let hi, let negated):
            let vx = try evaluate(x, batch, n)
            let result = Self.logic(Self.compare(.greaterOrEqual, vx, try evaluate(lo, batch, n), n),
                                    Self.compare(.lessOrEqual, vx, try evaluate(hi, batch, n), n), and: true, n)
            if negated, case .boolean(let v, let valid) = result { return .boolean(v.map { !$0 }, valid) }
            return result
        case .like(let x, let pattern, let escape, let negated):
            guard case .string(let offsets, let bytes, let valid) = try evaluate(x, batch, n) else {
                return .null(count: n, nested: nil)
            }
            let matcher = LikePattern(pattern, escape: escape)
            var out = [Bool](repeating: false, count: n)
            bytes.withUnsafeBytes { b in
                for i in 0..<n where valid?[i] ?? true {
                    out[i] = matcher.matches(UnsafeRawBufferPointer(rebasing: b[offsets[i]..<offsets[i + 1]])) != negated
                }
            }
            return .boolean(out, valid)
        }
    }

    /// SQL AND / OR with NULL as unknown.
    static func logic(_ a: Vector, _ b: Vector, and: Bool, _ n: Int) -> Vector {
        func parts(_ v: Vector) -> ([Bool], Bitmap?) {
            if case .boolean(let x, let valid) = v { return (x, valid) }
            return (Array(repeating: false, count: n), Bitmap(repeating: false, count: n))
        }
        let (x, vx) = parts(a), (y, vy) = parts(b)
        var out = [Bool](repeating: false, count: n)
        var valid = Bitmap(repeating: true, count: n)
        var anyNull = false
        for i in 0..<n {
            let ax = vx?[i] ?? true, by = vy?[i] ?? true
            if and {
                if (ax && !x[i]) || (by && !y[i]) { out[i] = false }
                else if ax && by { out[i] = true }
                else { valid[i] = false; anyNull = true }
            } else {
                if (ax && x[i]) || (by && y[i]) { out[i] = true }
                else if ax && by { out[i] = false }
                else { valid[i] = false; anyNull = true }
            }
        }
        return .boolean(out, anyNull ? valid : nil)
    }

    // MARK: Comparison

    static func doubles(_ v: Vector) -> [Double]? {
        switch v {
        case .double(let x, _): return x
        case .integer(let x, _): return x.map(Double.init)
        case .decimal(let x, let s, _):
            let f = Double(pow10(s))
            return x.map { Double($0) / f }
        default: return nil
        }
    }

    static func decimals(_ v: Vector, scale: Int) -> [Int128]? {
        switch v {
        case .integer(let x, _):
            let f = pow10(scale)
            return x.map { Int128($0) * f }
        case .decimal(let x, let s, _):
            let f = pow10(scale - s)
            return x.map { $0 * f }
        default: return nil
        }
    }

    static func micros(_ v: Vector) -> [Int64]? {
        switch v {
        case .date(let x, _): return x.map { $0 &* 86_400_000_000 }
        case .timestamp(let x, _, _): return x
        default: return nil
        }
    }

    static func compare(_ op: ComparisonOperator, _ a: Vector, _ b: Vector, _ n: Int) -> Vector {
        let valid = combine(a.validity, b.validity, count: n)
        @inline(__always) func result(_ c: Int) -> Bool {
            switch op {
            case .equal: return c == 0
            case .notEqual: return c != 0
            case .less: return c < 0
            case .lessOrEqual: return c <= 0
            case .greater: return c > 0
            case .greaterOrEqual: return c >= 0
            }
        }
        var out = [Bool](repeating: false, count: n)
        switch (a, b) {
        case (.null, _), (_, .null):
            return .boolean(out, Bitmap(repeating: false, count: n))
        case (.integer(let x, _), .integer(let y, _)), (.date(let x, _), .date(let y, _)):
            for i in 0..<n { out[i] = result(x[i] < y[i] ? -1 : (x[i] > y[i] ? 1 : 0)) }
        case (.boolean(let x, _), .boolean(let y, _)):
            for i in 0..<n { out[i] = result(x[i] == y[i] ? 0 : (x[i] ? 1 : -1)) }
        case (.string(let xo, let xb, _), .string(let yo, let yb, _)):
            xb.withUnsafeBytes { xs in
                yb.withUnsafeBytes { ys in
                    for i in 0..<n where bothValid(a.validity, b.validity, i) {
                        out[i] = result(compareBytes(UnsafeRawBufferPointer(rebasing: xs[xo[i]..<xo[i + 1]]),
                                                     UnsafeRawBufferPointer(rebasing: ys[yo[i]..<yo[i + 1]])))
                    }
                }
            }
        default:
            if case .double = a, let x = doubles(a), let y = doubles(b) {
                for i in 0..<n { out[i] = result(compareDoubles(x[i], y[i])) }
            } else if case .double = b, let x = doubles(a), let y = doubles(b) {
                for i in 0..<n { out[i] = result(compareDoubles(x[i], y[i])) }
            } else if let x = micros(a), let y = micros(b) {
                for i in 0..<n { out[i] = result(x[i] < y[i] ? -1 : (x[i] > y[i] ? 1 : 0)) }
            } else {
                let scale = max(scaleOf(a), scaleOf(b))
                if let x = decimals(a, scale: scale), let y = decimals(b, scale: scale) {
                    for i in 0..<n { out[i] = result(x[i] < y[i] ? -1 : (x[i] > y[i] ? 1 : 0)) }
                } else {
                    return .boolean(out, Bitmap(repeating: false, count: n))
                }
            }
        }
        return .boolean(out, valid)
    }

    static func scaleOf(_ v: Vector) -> Int {
        if case .decimal(_, let s, _) = v { return s }
        return 0
    }

    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count - b.count
    }

    // MARK: Arithmetic

    static func arithmetic(_ op: ArithmeticOperator, _ a: Vector, _ b: Vector, _ n: Int) throws -> Vector {
        var valid = combine(a.validity, b.validity, count: n)
        if case .null = a { return .null(count: n, nested: nil) }
        if case .null = b { return .null(count: n, nested: nil) }
        func nullWhere(_ zero: (Int) -> Bool) {
            var v = valid ?? Bitmap(repeating: true, count: n)
            var changed = false
            for i in 0..<n where zero(i) && v[i] { v[i] = false; changed = true }
            if changed { valid = v }
        }
        switch (a, b) {
        case (.integer(let x, _), .integer(let y, _)) where op != .divide:
            var out = [Int64](repeating: 0, count: n)
            if op == .modulo { nullWhere { y[$0] == 0 } }
            for i in 0..<n where bothValid(valid, nil, i) {
                let (r, overflow): (Int64, Bool)
                switch op {
                case .add: (r, overflow) = x[i].addingReportingOverflow(y[i])
                case .subtract: (r, overflow) = x[i].subtractingReportingOverflow(y[i])
                case .multiply: (r, overflow) = x[i].multipliedReportingOverflow(by: y[i])
                default: (r, overflow) = x[i].remainderReportingOverflow(dividingBy: y[i])
                }
                guard !overflow else { throw QueryError("integer overflow in \(x[i]) \(op.rawValue) \(y[i])") }
                out[i] = r
            }
            return .integer(out, valid)
        default:
            break
        }
        let anyDouble: Bool = {
            if case .double = a { return true }
            if case .double = b { return true }
            return op == .divide
        }()
        if !anyDouble {
            let (sa, sb) = (scaleOf(a), scaleOf(b))
            let scale = op == .multiply ? sa + sb : max(sa, sb)
            if scale <= 18, let x = decimals(a, scale: op == .multiply ? sa : scale),
               let y = decimals(b, scale: op == .multiply ? sb : scale) {
                var out = [Int128](repeating: 0, count: n)
                if op == .modulo { nullWhere { y[$0] == 0 } }
                for i in 0..<n where bothValid(valid, nil, i) {
                    let (r, overflow): (Int128, Bool)
                    switch op {
                    case .add: (r, overflow) = x[i].addingReportingOverflow(y[i])
                    case .subtract: (r, overflow) = x[i].subtractingReportingOverflow(y[i])
                    case .multiply: (r, overflow) = x[i].multipliedReportingOverflow(by: y[i])
                    default: (r, overflow) = x[i].remainderReportingOverflow(dividingBy: y[i])
                    }
                    guard !overflow else { throw QueryError("decimal overflow in \(op.rawValue)") }
                    out[i] = r
                }
                return .decimal(out, scale: scale, valid)
            }
        }
        guard let x = doubles(a), let y = doubles(b) else { return .null(count: n, nested: nil) }
        if op == .divide || op == .modulo { nullWhere { y[$0] == 0 } }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            switch op {
            case .add: out[i] = x[i] + y[i]
            case .subtract: out[i] = x[i] - y[i]
            case .multiply: out[i] = x[i] * y[i]
            case .divide: out[i] = y[i] == 0 ? 0 : x[i] / y[i]
            case .modulo: out[i] = y[i] == 0 ? 0 : x[i].truncatingRemainder(dividingBy: y[i])
            }
        }
        return .double(out, valid)
    }
}

/// A compiled LIKE pattern: `%` any run of characters, `_` one character (UTF-8 aware), an
/// optional escape character making the next character literal.
struct LikePattern {
    enum Piece: Equatable { case literal([UInt8]), one, any }
    let pieces: [Piece]

    init(_ pattern: String, escape: Character?) {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var escaping = false
        func flush() { if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] } }
        for ch in pattern {
            if escaping { literal += Array(String(ch).utf8); escaping = false; continue }
            if let escape, ch == escape { escaping = true; continue }
            switch ch {
            case "%": flush(); if pieces.last != .any { pieces.append(.any) }
            case "_": flush(); pieces.append(.one)
            default: literal += Array(String(ch).utf8)
            }
        }
        flush()
        self.pieces = pieces
    }

    func matches(_ s: UnsafeRawBufferPointer) -> Bool {
        match(s, 0, 0)
    }

    private func match(_ s: UnsafeRawBufferPointer, _ i: Int, _ p: Int) -> Bool {
        var i = i, p = p
        while p < pieces.count {
            switch pieces[p] {
            case .literal(let bytes):
                guard s.count - i >= bytes.count else { return false }
                for k in 0..<bytes.count where s[i + k] != bytes[k] { return false }
                i += bytes.count
                p += 1
            case .one:
                guard i < s.count else { return false }
                i += Self.characterLength(s[i])
                p += 1
            case .any:
                if p == pieces.count - 1 { return true }
                var j = i
                while j <= s.count {
                    if match(s, j, p + 1) { return true }
                    if j == s.count { break }
                    j += Self.characterLength(s[j])
                }
                return false
            }
        }
        return i == s.count
    }

    @inline(__always)
    static func characterLength(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
    }
}
