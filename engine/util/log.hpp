#pragma once
// Minimal leveled logging to stderr. Load-time problems go through here as well as into
// the owning object's warning list (so --stats and the UI can show them).
#include <string>

namespace sandtable::log {

enum class Level { Debug, Info, Warn, Error };
void setLevel(Level l);
void write(Level l, const std::string& msg);
inline void debug(const std::string& m) { write(Level::Debug, m); }
inline void info(const std::string& m) { write(Level::Info, m); }
inline void warn(const std::string& m) { write(Level::Warn, m); }
inline void error(const std::string& m) { write(Level::Error, m); }

}  // namespace sandtable::log
