import Columnar

/// Record assembly: rebuilds columns (validity, list offsets, values) from the repetition and
/// definition levels of their leaves.
///
/// Each node of the schema tree has *slots*: the level entries that start one of its values.
/// An entry starts a slot of a node when its repetition level is at most the node's slot
/// repetition level and its definition level reaches the node's parent container. Struct
/// children share their parent's slots; list elements and map entries have their own.
struct Assembler {
    let leaves: [LeafDescriptor]
    let chunks: [LeafChunk?]

    func assemble(_ node: SchemaNode) throws -> Column {
        try assemble(node, slotRep: 0, slotDef: 0)
    }

    private func chunk(_ leaf: Int) throws -> LeafChunk {
        guard let c = chunks[leaf] else { throw ParquetError(.invalidArgument, "leaf \(leaf) was not read") }
        return c
    }

    /// The slots of a node whose levels are those of `chunk`: for each, its definition level.
    private func slotLevels(_ chunk: LeafChunk, maxDef: Int, slotRep: Int, slotDef: Int) -> [UInt8] {
        let hasDef = !chunk.definitionLevels.isEmpty
        if chunk.repetitionLevels.isEmpty && slotDef == 0 {
            return hasDef ? chunk.definitionLevels : [UInt8](repeating: UInt8(maxDef), count: chunk.entryCount)
        }
        var out: [UInt8] = []
        out.reserveCapacity(chunk.entryCount)
        let reps = chunk.repetitionLevels, defs = chunk.definitionLevels
        for e in 0..<chunk.entryCount {
            let r = reps.isEmpty ? 0 : Int(reps[e])
            let d = hasDef ? Int(defs[e]) : maxDef
            if r <= slotRep && d >= slotDef { out.append(UInt8(d)) }
        }
        return out
    }

    private func validity(_ slots: [UInt8], definedAt: Int) -> Bitmap? {
        var bitmap = Bitmap(repeating: true, count: slots.count)
        var anyNull = false
        let target = UInt8(definedAt)
        for (i, d) in slots.enumerated() where d < target {
            bitmap[i] = false
            anyNull = true
        }
        return anyNull ? bitmap : nil
    }

    private func assemble(_ node: SchemaNode, slotRep: Int, slotDef: Int) throws -> Column {
        switch node {
        case .leaf(let info, let leaf):
            let c = try chunk(leaf)
            let descriptor = leaves[leaf]
            let slots = slotLevels(c, maxDef: descriptor.maxDefinitionLevel, slotRep: slotRep, slotDef: slotDef)
            let valid = validity(slots, definedAt: descriptor.maxDefinitionLevel)
            let present = valid?.setCount ?? slots.count
            guard present == c.values.count else {
                throw ParquetError.corrupt("column \(descriptor.path.joined(separator: ".")) has \(c.values.count) values for \(present) non-null slots")
            }
            let storage = try LeafConverter.storage(c.values, leaf: descriptor, validity: valid, count: slots.count)
            return Column(type: info.type, count: slots.count, validity: valid, storage: storage)

        case .structure(let info, let children):
            let c = try chunk(node.firstLeaf)
            let slots = slotLevels(c, maxDef: leaves[node.firstLeaf].maxDefinitionLevel, slotRep: slotRep, slotDef: slotDef)
            let columns = try children.map { try assemble($0, slotRep: slotRep, slotDef: slotDef) }
            guard columns.allSatisfy({ $0.count == slots.count }) else {
                throw ParquetError.corrupt("the fields of struct \(info.name) have different lengths")
            }
            return Column(type: info.type, count: slots.count, validity: validity(slots, definedAt: info.definedAt),
                          storage: .structure(columns))

        case .list(let info, let elementDef, let elementRep, let element):
            let (offsets, valid) = try repeatedOffsets(node.firstLeaf, slotRep: slotRep, slotDef: slotDef,
                                                       definedAt: info.definedAt, entryDef: elementDef, entryRep: elementRep)
            let child = try assemble(element, slotRep: elementRep, slotDef: elementDef)
            guard child.count == offsets.last! else {
                throw ParquetError.corrupt("list \(info.name) has \(child.count) elements, its levels say \(offsets.last!)")
            }
            return Column(type: info.type, count: offsets.count - 1, validity: valid,
                          storage: .list(offsets: offsets, child: child))

        case .map(let info, let entryDef, let entryRep, let keyNode, let valueNode):
            let (offsets, valid) = try repeatedOffsets(node.firstLeaf, slotRep: slotRep, slotDef: slotDef,
                                                       definedAt: info.definedAt, entryDef: entryDef, entryRep: entryRep)
            let keys = try assemble(keyNode, slotRep: entryRep, slotDef: entryDef)
            let values = try assemble(valueNode, slotRep: entryRep, slotDef: entryDef)
            guard keys.count == offsets.last!, values.count == keys.count else {
                throw ParquetError.corrupt("map \(info.name) has \(keys.count) keys and \(values.count) values, its levels say \(offsets.last!)")
            }
            guard keys.nullCount == 0 else { throw ParquetError.corrupt("map \(info.name) has null keys") }
            return Column(type: info.type, count: offsets.count - 1, validity: valid,
                          storage: .map(offsets: offsets, keys: keys, values: values))
        }
    }

    /// Offsets and validity of a list or map from the levels of one of its leaves.
    private func repeatedOffsets(_ leaf: Int, slotRep: Int, slotDef: Int, definedAt: Int,
                                 entryDef: Int, entryRep: Int) throws -> ([Int], Bitmap?) {
        let c = try chunk(leaf)
        let reps = c.repetitionLevels, defs = c.definitionLevels
        guard reps.count == c.entryCount, defs.count == c.entryCount else {
            throw ParquetError.corrupt("repeated column \(leaves[leaf].path.joined(separator: ".")) lacks levels")
        }
        var offsets: [Int] = [0]
        var validBits = Bitmap(repeating: true, count: 0)
        var anyNull = false
        var elements = 0
        for e in 0..<c.entryCount {
            let r = Int(reps[e]), d = Int(defs[e])
            if r <= slotRep {
                guard d >= slotDef else { continue }
                if validBits.count > 0 { offsets.append(elements) }
                let isValid = d >= definedAt
                validBits.append(isValid)
                if !isValid { anyNull = true }
                if d >= entryDef { elements += 1 }
            } else if r <= entryRep {
                guard d >= entryDef, validBits.count > 0 else {
                    throw ParquetError.corrupt("column \(leaves[leaf].path.joined(separator: ".")) continues a list that has no elements")
                }
                elements += 1
            }
        }
        if validBits.count > 0 { offsets.append(elements) }
        return (offsets, anyNull ? validBits : nil)
    }
}
