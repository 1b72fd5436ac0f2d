#pragma once
// Where the bundled sample (data/putuo/) is: the source tree the program was built from,
// or a data/putuo/ folder up from the executable (an installed or copied build tree).
#include <string>

namespace sandtable {

// The path of data/putuo/<name>, empty when none of the places has it. `sourceDir` is the
// build's CMAKE_SOURCE_DIR (empty: only look up from the executable).
std::string findSampleData(const std::string& name, const std::string& sourceDir);

}  // namespace sandtable
