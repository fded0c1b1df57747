#pragma once
// The witness's own append-only record of every cosignature it gave: one JSON line per
// cosignature (core::witnessLogEntryToJson), appended with O_APPEND and fsync'd before the
// cosignature leaves the process. An auditor hands this file to `sekimori audit verify
// --witness-log`. Also the state file: the newest entry, replaced atomically (write, fsync,
// rename, fsync the directory), read at start.
#include <optional>
#include <string>
#include <vector>

#include "core/audit_cosignature.hpp"
#include "core/result.hpp"

namespace sekimori::witness {

// Appends one line and fsyncs (creating the file 0644 when absent).
core::Result<void> appendWitnessLog(const std::string& path, const core::WitnessLogEntry& entry);

// Every line, in order; a line that does not parse is an error naming its number.
// A missing file is an empty log.
core::Result<std::vector<core::WitnessLogEntry>> readWitnessLog(const std::string& path);

core::Result<void> writeStateFile(const std::string& path, const core::WitnessLogEntry& entry);
// nullopt when there is no state file yet (a witness that has cosigned nothing).
core::Result<std::optional<core::WitnessLogEntry>> readStateFile(const std::string& path);

// Where a witness stands at start: the state file, unless the log holds a newer entry (a crash
// between the log's fsync and the state file's rename). A state file ahead of its log, or one
// that disagrees with the log's entry of the same size, is an error: the witness will not start.
core::Result<std::optional<core::WitnessLogEntry>> recoverWitnessState(const std::string& statePath,
                                                                       const std::string& logPath);

}  // namespace sekimori::witness
