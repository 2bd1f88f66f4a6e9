import State

/// The patients' packed records during a replay: in memory up to a budget, and past it in a
/// temporary database (``ScratchTable``, deleted when the replay ends), so a replay's memory stays
/// flat however many patients the archive holds.
///
/// When the records in memory pass the budget, all of them are written to the database in one
/// transaction and memory starts again empty; a patient not in memory is read back from it.
final class PatientRecords {
    /// Bytes of packed records kept in memory before they are written out.
    let budget: Int
    private var memory: [String: PatientRecord] = [:]
    private var memoryBytes = 0
    private var database: ScratchTable?
    /// Times the records in memory were written out (for the benchmark and the tests).
    private(set) var spills = 0

    init(budget: Int = 24 << 20) { self.budget = budget }

    /// The record of `patientID`, taken out (it is put back after the patient's event).
    func take(_ patientID: String) throws -> PatientRecord? {
        if let record = memory.removeValue(forKey: patientID) {
            memoryBytes -= Self.cost(patientID, record)
            return record
        }
        return try database?.value(for: patientID).map(PatientRecord.init(bytes:))
    }

    /// Keeps `record` for `patientID`, writing all of memory out when it passes the budget.
    func put(_ patientID: String, _ record: PatientRecord) throws {
        memory[patientID] = record
        memoryBytes += Self.cost(patientID, record)
        if memoryBytes > budget { try spill() }
    }

    /// Every patient's record, in memory or written out, one at a time.
    func forEach(_ body: (String, PatientRecord) throws -> Void) throws {
        for (patientID, record) in memory { try body(patientID, record) }
        try database?.forEach { patientID, bytes in
            // Written out and read back into memory since: memory holds the newer record.
            if memory[patientID] == nil { try body(patientID, PatientRecord(bytes: bytes)) }
        }
    }

    private func spill() throws {
        if database == nil { database = try ScratchTable() }
        try database?.write(memory.lazy.map { (key: $0.key, value: $0.value.bytes) })
        memory.removeAll()
        memoryBytes = 0
        spills += 1
    }

    /// What a record costs in memory: its bytes, its id and the dictionary's and array's own.
    private static func cost(_ patientID: String, _ record: PatientRecord) -> Int {
        record.bytes.count + patientID.utf8.count + 64
    }
}
