/// 10ⁿ as a 128-bit integer (decimal scaling; `n` at most 38).
public func pow10(_ n: Int) -> Int128 {
    var r: Int128 = 1
    for _ in 0..<max(0, n) { r *= 10 }
    return r
}
